import { PLATFORM_DATABASE, type PlatformDatabase, type PlatformRuntime, RealmDb } from '@nhi/platform';
import { ScannerSecrets, ScanRunner } from '@nhi/scanner';
import { startFakeIam } from '@nhi/scanner/testing/fake-iam-server';
import { credentialReportHeader } from './credential-report.ts';
import { withSeedingRuntime } from './seed.ts';

/** The key the hub signs its IAM calls with: the source's own, never shown on a page. */
export const awsSourceKey = {
  accessKeyId: 'AKIAE2ESOURCEKEY0001',
  secretAccessKey: 'e2e-source-secret-access-key-0000000000',
};
export const awsDeployKeyId = 'AKIAE2EDEPLOYKEYWXYZ';

/**
 * An AWS account behind a fake IAM endpoint: user ci-deploy with two active keys, …WXYZ used by S3.
 * `keys` are the keys as AWS has them now; the caller closes the endpoint.
 */
export async function startAwsAccount() {
  const keys = [
    {
      AccessKeyId: awsDeployKeyId,
      Status: 'Active' as 'Active' | 'Inactive',
      CreateDate: '2024-01-02T00:00:00Z',
    },
    {
      AccessKeyId: 'AKIAE2EDEPLOYKEYABCD',
      Status: 'Active' as 'Active' | 'Inactive',
      CreateDate: '2024-05-02T00:00:00Z',
    },
  ];
  const iam = await startFakeIam({
    accessKeyId: awsSourceKey.accessKeyId,
    credentialReportCsv: [
      credentialReportHeader,
      'ci-deploy,arn:aws:iam::111122223333:user/ci-deploy,2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,2026-11-20T08:00:00Z,eu-west-1,s3,true,2024-05-02T00:00:00Z,N/A,N/A,N/A,false,N/A,false,N/A',
    ].join('\n'),
    authorizationPages: [
      { UserDetailList: [{ UserName: 'ci-deploy', Arn: 'arn:aws:iam::111122223333:user/ci-deploy' }] },
    ],
    accessKeys: { 'ci-deploy': keys },
    lastUsed: {
      [awsDeployKeyId]: { LastUsedDate: '2026-11-20T08:00:00Z', ServiceName: 's3', Region: 'eu-west-1' },
    },
  });
  return { iam, keys };
}

/**
 * A live AWS source `prod account` on `endpoint` that allows remediation, scanned once before the
 * hub starts; returns the id of ci-deploy. Written as rows and scanned by the runner itself: the
 * seeding runtime has no job queue to start a scan with. `alsoSeed` adds to the same start.
 */
export async function seedLiveAwsSource(
  dataDir: string,
  endpoint: string,
  alsoSeed?: (runtime: PlatformRuntime) => Promise<unknown>,
): Promise<string> {
  return withSeedingRuntime(dataDir, async (runtime) => {
    await alsoSeed?.(runtime);
    const db = runtime.root.resolve<PlatformDatabase>(PLATFORM_DATABASE);
    const realm = await db.systemPrisma.realm.findUniqueOrThrow({
      where: { slug: 'hub' },
      select: { id: true },
    });
    const encryptedSecrets = await runtime.root.resolve(ScannerSecrets).encryptJson(awsSourceKey);
    const realmDb = new RealmDb(db, realm.id);
    const scan = await realmDb.transaction(async (tx) => {
      const source = await tx.source.create({
        data: {
          type: 'aws_iam',
          name: 'prod account',
          settings: { endpoint, region: 'us-east-1', remediation: true },
          encryptedSecrets,
        },
        select: { id: true },
      });
      return tx.scan.create({
        data: { sourceId: source.id, input: 'aws.live', triggeredByType: 'system', triggeredById: 'e2e' },
        select: { id: true },
      });
    });
    await runtime.root.resolve(ScanRunner).run(realm.id, scan.id);
    return realmDb.transaction(
      async (tx) =>
        (await tx.nhi.findFirstOrThrow({ where: { name: 'ci-deploy' }, select: { id: true } })).id,
    );
  });
}
