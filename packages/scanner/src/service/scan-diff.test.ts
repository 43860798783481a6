import { randomUUID } from 'node:crypto';
import { NhiQueryService } from '@nhi/nhi';
import { NotFoundError, openRequestScope, RealmDb, type RealmSummary } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { ScanDiffService } from './scan-diff.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string, options: { lastUsed?: string; password?: boolean } = {}) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,${options.password ? 'true' : 'false'},N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,${options.lastUsed ?? '2024-06-01T10:00:00+00:00'},us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
const report = (...rows: string[]) => [header, ...rows].join('\n');

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const scanner = await hub.scannerOf();
  const source = await scanner.createSource({ type: 'aws_iam', name: 'prod account' });
  const scanReport = async (content: string, sourceId = source.id, as = scanner) => {
    const started = await as.startScan({
      sourceId,
      input: 'aws.credential_report',
      upload: { name: 'report.csv', contentBase64: Buffer.from(content).toString('base64') },
    });
    return hub.finished(as, started.id);
  };
  const scopeOf = async (realm: RealmSummary = hub.hubRealm, user = hub.ana) =>
    (
      await openRequestScope(hub.root, {
        context: {
          requestId: `req-${user.email}`,
          realm,
          principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
          clock: hub.clock,
        },
        credential: 'bearer',
      })
    ).container;
  const diffOf = async (scanId: string, realm?: RealmSummary, user?: typeof hub.ana) =>
    (await scopeOf(realm, user)).resolve(ScanDiffService).ofScan(scanId);
  const names = async (
    filter: { scan?: string; scanChange?: 'added' | 'changed' | 'missing'; source?: string[] },
    realm?: RealmSummary,
    user?: typeof hub.ana,
  ) => {
    const page = await (await scopeOf(realm, user)).resolve(NhiQueryService).list(filter);
    return page.items.map((item) => item.name);
  };
  return { ...hub, scanner, source, scanReport, diffOf, names };
}

describeEachDatabase('what a scan changed', (_kind, newDatabase) => {
  it('lists the identities a second scan added, changed and no longer found', async () => {
    const { scanReport, diffOf } = await setup(newDatabase);
    const first = await scanReport(report(machine('ci'), machine('deployer'), machine('builder')));

    const second = await scanReport(
      report(
        machine('ci', { lastUsed: '2024-09-01T10:00:00+00:00', password: true }),
        machine('builder'),
        machine('runner'),
      ),
    );

    expect(second.counts).toMatchObject({ new: 1, updated: 1, unchanged: 1, missing: 1 });
    const diff = await diffOf(second.id);
    expect(diff.added).toEqual({
      count: 1,
      items: [expect.objectContaining({ name: 'runner', fields: [] })],
    });
    expect(diff.missing).toEqual({ count: 1, items: [expect.objectContaining({ name: 'deployer' })] });
    expect(diff.changed.count).toBe(1);
    const changed = diff.changed.items[0];
    expect(changed?.name).toBe('ci');
    // The console password is a fact the report gained; the key's last use, a credential change.
    expect(changed?.fields).toEqual(expect.arrayContaining(['+aws.console_password', 'credentials']));
    const initial = await diffOf(first.id);
    expect(initial.added.count).toBe(3);
    expect([initial.changed.count, initial.missing.count]).toEqual([0, 0]);
  });

  it('records nothing for an identity scanned again unchanged', async () => {
    const { scanReport, diffOf } = await setup(newDatabase);
    await scanReport(report(machine('ci')));

    const again = await scanReport(report(machine('ci')));

    const diff = await diffOf(again.id);
    expect([diff.added.count, diff.changed.count, diff.missing.count]).toEqual([0, 0, 0]);
  });

  it('counts an alert the evaluation opened after the scan on an identity of its source', async () => {
    const { scanReport, diffOf, db, hubRealm, clock } = await setup(newDatabase);
    const scan = await scanReport(report(machine('ci')));
    const realmDb = new RealmDb(db, hubRealm.id);
    await realmDb.transaction(async (tx) => {
      const nhi = await tx.nhi.findFirstOrThrow({ where: { name: 'ci' }, select: { id: true } });
      const at = new Date(Math.max(clock.now().getTime(), Date.now()) + 1000);
      const alert = await tx.alert.create({
        data: {
          fingerprint: randomUUID(),
          ruleId: 'nhi4.console_password',
          owaspId: 'NHI4',
          severity: 'high',
          nhiId: nhi.id,
          subject: 'ci',
          firstSeenAt: at,
          lastSeenAt: at,
          stateChangedAt: at,
        },
        select: { id: true },
      });
      await tx.alertEvent.create({
        data: { alertId: alert.id, toState: 'open', actorType: 'system', createdAt: at },
        select: { id: true },
      });
    });

    const diff = await diffOf(scan.id);

    expect(diff.alertsOpened).toMatchObject({
      count: 1,
      items: [
        expect.objectContaining({
          ruleId: 'nhi4.console_password',
          nhi: expect.objectContaining({ name: 'ci' }),
        }),
      ],
    });
    expect(diff.alertsResolved.count).toBe(0);
  });

  it('filters the inventory by scan and change, and by source, within the realm only', async () => {
    const { scanReport, names, scannerOf, otherRealm, oli, source, scanner } = await setup(newDatabase);
    await scanReport(report(machine('ci'), machine('deployer')));
    const second = await scanReport(report(machine('ci'), machine('runner')));
    const otherScanner = await scannerOf(oli, otherRealm);
    const otherSource = await otherScanner.createSource({ type: 'aws_iam', name: 'their account' });
    const theirs = await scanReport(report(machine('theirs')), otherSource.id, otherScanner);

    expect(await names({ scan: second.id })).toEqual(['deployer', 'runner']);
    expect(await names({ scan: second.id, scanChange: 'missing' })).toEqual(['deployer']);
    expect(await names({ scan: second.id, scanChange: 'added' })).toEqual(['runner']);
    expect(await names({ source: [source.id] })).toEqual(['ci', 'deployer', 'runner']);
    // The sources page counts what the inventory lists for the source.
    expect((await scanner.getSource(source.id)).identityCount).toBe(3);
    expect((await scanner.listSources()).map((s) => s.identityCount)).toEqual([3]);
    // Another realm's scan and source name nothing here, and this realm's nothing there.
    expect(await names({ scan: theirs.id })).toEqual([]);
    expect(await names({ source: [otherSource.id] })).toEqual([]);
    expect(await names({ scan: second.id }, otherRealm, oli)).toEqual([]);
    expect(await names({ scan: theirs.id }, otherRealm, oli)).toEqual(['theirs']);
  });

  it('answers not found for a scan of another realm', async () => {
    const { scanReport, diffOf, otherRealm, oli } = await setup(newDatabase);
    const scan = await scanReport(report(machine('ci')));

    await expect(diffOf(scan.id, otherRealm, oli)).rejects.toBeInstanceOf(NotFoundError);
  });
});
