import { createCaller, openRequestScope, RealmDb, type RealmSummary, router } from '@nhi/platform';
import type { NewTestDatabase } from '@nhi/platform/testing';
import { onTestFinished } from 'vitest';
import { scannerRouter } from '../../api/scanner.procedures.ts';
import { startFakeIam } from '../../testing/fake-iam-server.ts';
import { setupScanner } from '../../testing/scanner-test-setup.ts';
import { RemediationService } from '../service/remediation.service.ts';

const appRouter = router({ scanner: scannerRouter });

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** The source's own key: what the hub signs IAM calls with. Never to be seen in an answer. */
export const sourceKey = {
  accessKeyId: 'AKIAHUBSOURCEKEY0001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSOURCESECRET',
};
export const deployKeyId = 'AKIACIDEPLOYKEY0WXYZ';
export const spareKeyId = 'AKIACIDEPLOYKEY0ABCD';

/**
 * A hub (Ana admin, Vic viewer, Bea a second admin) with an AWS account behind a fake IAM
 * endpoint: user `ci-deploy` with two active keys (…WXYZ used by S3 in eu-west-1) and a console
 * password it never used, scanned live once. The source allows remediation and so does the
 * realm unless `realm: false`/`source: false`.
 */
export async function setupRemediation(
  newDatabase: NewTestDatabase,
  options: { realm?: boolean; approval?: boolean; source?: boolean; denied?: string[] } = {},
) {
  const hub = await setupScanner(newDatabase);
  const bea = await hub.member('bea@example.com', 'hub', 'admin');
  const keysAtAws = [
    {
      AccessKeyId: deployKeyId,
      Status: 'Active' as 'Active' | 'Inactive',
      CreateDate: '2024-01-02T00:00:00Z',
    },
    {
      AccessKeyId: spareKeyId,
      Status: 'Active' as 'Active' | 'Inactive',
      CreateDate: '2024-05-02T00:00:00Z',
    },
  ];
  const iam = await startFakeIam({
    accessKeyId: sourceKey.accessKeyId,
    credentialReportCsv: [
      header,
      'ci-deploy,arn:aws:iam::111122223333:user/ci-deploy,2024-01-01T00:00:00Z,true,N/A,2024-01-01T00:00:00Z,N/A,false,true,2024-01-02T00:00:00Z,2026-11-20T08:00:00Z,eu-west-1,s3,true,2024-05-02T00:00:00Z,N/A,N/A,N/A,false,N/A,false,N/A',
    ].join('\n'),
    authorizationPages: [
      { UserDetailList: [{ UserName: 'ci-deploy', Arn: 'arn:aws:iam::111122223333:user/ci-deploy' }] },
    ],
    accessKeys: { 'ci-deploy': keysAtAws },
    lastUsed: {
      [deployKeyId]: { LastUsedDate: '2026-11-20T08:00:00Z', ServiceName: 's3', Region: 'eu-west-1' },
    },
    denied: options.denied,
  });
  onTestFinished(() => iam.close());
  const scanner = await hub.scannerOf();
  const source = await scanner.createSource({
    type: 'aws_iam',
    name: 'prod account',
    settings: { endpoint: iam.endpoint, region: 'us-east-1', remediation: options.source ?? true },
    secrets: sourceKey,
  });
  await hub.finished(scanner, (await scanner.startScan({ sourceId: source.id, input: 'aws.live' })).id);
  const db = new RealmDb(hub.db, hub.hubRealm.id);
  const user = await db.transaction((tx) =>
    tx.nhi.findFirstOrThrow({
      where: { name: 'ci-deploy' },
      select: { id: true, credentials: { select: { id: true, hint: true, status: true } } },
    }),
  );
  const credentialOf = (hint: string) => user.credentials.find((c) => c.hint === hint)?.id as string;

  async function scopeOf(member: { id: string; email: string }, realm: RealmSummary = hub.hubRealm) {
    return openRequestScope(hub.root, {
      context: {
        requestId: `req-${member.email}`,
        realm,
        principal: { kind: 'user', userId: member.id, email: member.email, sessionId: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
  }
  /** The service as the member, through the guard: their permissions and coverage apply. */
  const remediationOf = async (member: { id: string; email: string } = hub.ana) =>
    (await scopeOf(member)).container.resolve(RemediationService);
  /** The procedures as the member, as the hub calls them. */
  const callerOf = async (member: { id: string; email: string }) =>
    createCaller(appRouter, hub.root, await scopeOf(member));

  if (options.realm ?? true)
    await (await remediationOf()).configure({ enabled: true, approval: options.approval ?? false });

  const credentialStatus = (id: string) =>
    db.transaction((tx) => tx.credential.findUniqueOrThrow({ where: { id }, select: { status: true } }));
  const auditRows = () =>
    db.transaction((tx) =>
      tx.auditLog.findMany({
        where: { entityType: 'RemediationAction' },
        select: { action: true, after: true },
        orderBy: { createdAt: 'asc' },
      }),
    );

  return {
    ...hub,
    bea,
    iam,
    /** ci-deploy's keys as AWS has them now. */
    keysAtAws: () => keysAtAws.map((key) => `${key.AccessKeyId} ${key.Status}`),
    db,
    scanner,
    source,
    nhiId: user.id,
    deployKey: credentialOf('AKIA…WXYZ'),
    spareKey: credentialOf('AKIA…ABCD'),
    remediationOf,
    callerOf,
    credentialStatus,
    auditRows,
  };
}
