import { NotFoundError, openRequestScope, RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { ScanObservationsService } from './scan-observations.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string, lastUsed = '2024-06-01T10:00:00+00:00') =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,${lastUsed},us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
const report = (...rows: string[]) => [header, ...rows].join('\n');

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const scanner = await hub.scannerOf();
  const source = await scanner.createSource({ type: 'aws_iam', name: 'prod account' });
  const scanReport = async (content: string) => {
    // Each scan starts later than the one before, as scans of a source do.
    hub.clock.advanceSeconds(60);
    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: { name: 'report.csv', contentBase64: Buffer.from(content).toString('base64') },
    });
    return hub.finished(scanner, started.id);
  };
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const idOf = async (name: string) =>
    (await realmDb.transaction((tx) => tx.nhi.findFirstOrThrow({ where: { name }, select: { id: true } })))
      .id;
  /** The service as a request of the user in the realm resolves it. */
  const scope = async (user = hub.ana, realm = hub.hubRealm) => {
    const opened = await openRequestScope(hub.root, {
      context: {
        requestId: `req-${user.email}`,
        realm,
        principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    return opened.container.resolve(ScanObservationsService);
  };
  const observe = async (name: string) => (await scope()).ofNhi(await idOf(name));
  const seen = async (name: string) => (await observe(name)).observations.map((o) => `${o.kind} ${o.scanId}`);
  return { ...hub, scanner, source, scanReport, realmDb, idOf, scope, observe, seen };
}

describeEachDatabase('Scan observations of an identity', (_kind, newDatabase) => {
  it('names the source and the scan that found the identity', async () => {
    const t = await setup(newDatabase);
    const first = await t.scanReport(report(machine('ci')));

    const found = await t.observe('ci');

    expect(found.source).toEqual({ id: t.source.id, name: 'prod account', type: 'aws_iam' });
    expect(found.observations).toEqual([
      {
        kind: 'first_seen',
        at: first.startedAt,
        scanId: first.id,
        input: 'aws.credential_report',
        source: { id: t.source.id, name: 'prod account', type: 'aws_iam' },
      },
    ]);
  });

  it('adds the scans that saw it again, changed it or no longer found it, newest first', async () => {
    const t = await setup(newDatabase);
    const first = await t.scanReport(report(machine('ci'), machine('deployer')));
    const again = await t.scanReport(report(machine('ci'), machine('deployer')));
    expect(await t.seen('ci')).toEqual([`last_seen ${again.id}`, `first_seen ${first.id}`]);

    const changed = await t.scanReport(
      report(machine('ci', '2024-07-01T10:00:00+00:00'), machine('deployer')),
    );
    expect(await t.seen('ci')).toEqual([`changed ${changed.id}`, `first_seen ${first.id}`]);

    const gone = await t.scanReport(report(machine('deployer')));
    // The item keeps its last writer only: the change before is in the identity's versions.
    expect(await t.seen('ci')).toEqual([`missing ${gone.id}`, `first_seen ${first.id}`]);
    expect(await t.seen('deployer')).toEqual([`last_seen ${gone.id}`, `first_seen ${first.id}`]);
  });

  it('has no source nor scans for an identity made by hand', async () => {
    const t = await setup(newDatabase);
    const made = await t.realmDb.transaction((tx) =>
      tx.nhi.create({
        data: { kind: 'bot', provider: 'slack', externalId: 'B1', name: 'by-hand' },
        select: { id: true },
      }),
    );

    expect(await (await t.scope()).ofNhi(made.id)).toEqual({ source: null, observations: [] });
  });

  it('answers NOT_FOUND for an identity of another realm', async () => {
    const t = await setup(newDatabase);
    await t.scanReport(report(machine('ci')));
    const id = await t.idOf('ci');

    await expect((await t.scope(t.oli, t.otherRealm)).ofNhi(id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
