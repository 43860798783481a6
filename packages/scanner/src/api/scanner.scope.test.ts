import { createCaller, openRequestScope, RealmDb, router } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { scannerRouter } from './scanner.procedures.ts';

const appRouter = router({ scanner: scannerRouter });

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,2024-06-01T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;

const codeOf = (error: unknown) =>
  (error as { data?: { code?: string } }).data?.code ?? (error as { code?: string }).code;

describeEachDatabase('scanner reads of identities for a member scoped to a team', (_kind, newDatabase) => {
  /**
   * One scan found `pay-api`, `pay-batch` (team payments, Sam's scope), `idn-sso` (team identity)
   * and `orphan` (no team). Sam reads sources realm-wide but identities of payments only.
   */
  async function setup() {
    const t = await setupScanner(newDatabase);
    const scanner = await t.scannerOf();
    const source = await scanner.createSource({ type: 'aws_iam', name: 'prod account' });
    const content = [header, ...['pay-api', 'pay-batch', 'idn-sso', 'orphan'].map(machine)].join('\n');
    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: { name: 'report.csv', contentBase64: Buffer.from(content).toString('base64') },
    });
    const scan = await t.finished(scanner, started.id);
    const group = (name: string) =>
      t.db.systemPrisma.policyGroup.create({ data: { realmId: t.hubRealm.id, name }, select: { id: true } });
    const payments = await group('Payments');
    const identity = await group('Identity');
    const db = new RealmDb(t.db, t.hubRealm.id);
    const ids = await db.transaction(async (tx) => {
      await tx.nhi.updateMany({
        where: { name: { startsWith: 'pay-' } },
        data: { ownerGroupId: payments.id },
      });
      await tx.nhi.updateMany({
        where: { name: { startsWith: 'idn-' } },
        data: { ownerGroupId: identity.id },
      });
      const rows = await tx.nhi.findMany({ select: { id: true, name: true } });
      return Object.fromEntries(rows.map((row) => [row.name, row.id])) as Record<string, string>;
    });
    const sam = await t.member('sam@example.com', 'hub', 'viewer');
    registerScopedMembers(t.root, [
      { userId: sam.id, permissions: ['realm:read', 'source:read', 'nhi:read'], groupIds: [payments.id] },
    ]);
    const callerOf = async (user: { id: string; email: string }) =>
      createCaller(
        appRouter,
        t.root,
        await openRequestScope(t.root, {
          context: {
            requestId: `req-${user.email}`,
            realm: t.hubRealm,
            principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
            clock: t.clock,
          },
          credential: 'bearer',
        }),
      );
    return { ...t, scan, ids, asSam: await callerOf(sam), asAna: await callerOf(t.ana) };
  }

  it.each(['idn-sso', 'orphan'])('answers NOT_FOUND for the access graph and scans of %s', async (name) => {
    const t = await setup();
    const nhiId = t.ids[name] as string;

    const graph = await t.asSam.scanner.accessGraph.query({ nhiId }).catch((error: unknown) => error);
    const observations = await t.asSam.scanner.observations.query({ nhiId }).catch((error: unknown) => error);

    expect([codeOf(graph), codeOf(observations)]).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    // The realm's admin reads them.
    expect((await t.asAna.scanner.observations.query({ nhiId })).observations.length).toBeGreaterThan(0);
  });

  it('shows the access graph and scans of the team’s identity', async () => {
    const t = await setup();
    const nhiId = t.ids['pay-api'] as string;

    const graph = await t.asSam.scanner.accessGraph.query({ nhiId });
    const observations = await t.asSam.scanner.observations.query({ nhiId });

    expect(graph).toEqual(await t.asAna.scanner.accessGraph.query({ nhiId }));
    expect(observations.observations.map((o) => o.scanId)).toContain(t.scan.id);
  });

  it('lists and counts in a scan’s diff only the team’s identities', async () => {
    const t = await setup();

    const scoped = await t.asSam.scanner.scan.diff.query({ id: t.scan.id });
    const admin = await t.asAna.scanner.scan.diff.query({ id: t.scan.id });

    expect(scoped.added.count).toBe(2);
    expect(scoped.added.items.map((item) => item.name)).toEqual(['pay-api', 'pay-batch']);
    expect(admin.added.count).toBe(4);
  });
});
