import { PLATFORM_DATABASE, type PlatformDatabase, RealmDb } from '@nhi/platform';
import { ScannerSecrets, ScanRunner } from '@nhi/scanner';
import { startFakeIam } from '@nhi/scanner/testing/fake-iam-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { screenshot } from './support/browser.ts';
import { credentialReportHeader } from './support/credential-report.ts';
import { temporaryDataDir, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

const sourceKey = {
  accessKeyId: 'AKIAE2ESOURCEKEY0001',
  secretAccessKey: 'e2e-source-secret-access-key-0000000000',
};
const deployKeyId = 'AKIAE2EDEPLOYKEYWXYZ';

/** An AWS account behind a fake IAM endpoint: user ci-deploy with two active keys, one used by S3. */
async function startAccount() {
  const keys = [
    {
      AccessKeyId: deployKeyId,
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
    accessKeyId: sourceKey.accessKeyId,
    credentialReportCsv: [
      credentialReportHeader,
      'ci-deploy,arn:aws:iam::111122223333:user/ci-deploy,2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,2026-11-20T08:00:00Z,eu-west-1,s3,true,2024-05-02T00:00:00Z,N/A,N/A,N/A,false,N/A,false,N/A',
    ].join('\n'),
    authorizationPages: [
      { UserDetailList: [{ UserName: 'ci-deploy', Arn: 'arn:aws:iam::111122223333:user/ci-deploy' }] },
    ],
    accessKeys: { 'ci-deploy': keys },
    lastUsed: {
      [deployKeyId]: { LastUsedDate: '2026-11-20T08:00:00Z', ServiceName: 's3', Region: 'eu-west-1' },
    },
  });
  onTestFinished(() => iam.close());
  return { iam, keys };
}

/**
 * A live AWS source that allows remediation, scanned once before the hub starts. Written as rows
 * and scanned by the runner itself: the seeding runtime has no job queue to start a scan with.
 */
async function seedLiveSource(dataDir: string, endpoint: string): Promise<string> {
  return withSeedingRuntime(dataDir, async (runtime) => {
    const db = runtime.root.resolve<PlatformDatabase>(PLATFORM_DATABASE);
    const realm = await db.systemPrisma.realm.findUniqueOrThrow({
      where: { slug: 'hub' },
      select: { id: true },
    });
    const encryptedSecrets = await runtime.root.resolve(ScannerSecrets).encryptJson(sourceKey);
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

describe('remediation in a browser', () => {
  it('deactivates an AWS key after its dry run, and the identity shows the key inactive', async () => {
    const { iam, keys } = await startAccount();
    const dataDir = await temporaryDataDir();
    const nhiId = await seedLiveSource(dataDir, iam.endpoint);
    const page = await openPage(await startReadyHub(dataDir));
    await logIn(page);

    // An administrator turns remediation on for the realm; the source already allows it.
    await visit(page, '/sources');
    // The box follows the saved setting: it turns checked once the hub has stored it.
    await page.getByTestId('remediation-enabled').click();
    await expect.poll(() => page.getByTestId('remediation-enabled').isChecked()).toBe(true);

    await visit(page, `/inventory/${nhiId}`);
    const panel = page.getByTestId('remediation-panel');
    await panel.getByTestId('remediation-dry-run-aws.access_key.deactivate').first().click();
    const plan = panel.getByTestId('remediation-plan');
    await plan.waitFor();
    expect(await plan.getByTestId('remediation-summary').textContent()).toBe(
      'Access key AKIA…WXYZ of user ci-deploy becomes Inactive',
    );
    expect(await plan.textContent()).toContain('Last used 2026-11-20 · s3 · eu-west-1');
    expect(keys[0]?.Status).toBe('Active');
    await screenshot(page, 'remediation-dry-run');
    expect(await axeViolations(page)).toEqual([]);

    await plan.getByTestId('remediation-run').click();
    const row = panel.getByTestId('remediation-row');
    await row.waitFor();
    await expect.poll(() => row.getAttribute('data-state')).toBe('succeeded');
    expect(keys[0]?.Status).toBe('Inactive');
    // The inventory shows the key as AWS now has it, without a reload.
    const key = page.getByTestId('credential-row').filter({ hasText: 'AKIA…WXYZ' });
    await expect.poll(() => key.getAttribute('data-status')).toBe('inactive');
    expect(iam.requests).toContain('UpdateAccessKey');
  });
});
