import { PLATFORM_DATABASE, type PlatformDatabase, RealmAdminService, RealmDb } from '@nhi/platform';
import { ScannerSecrets } from '@nhi/scanner';
import { memberIam } from '@nhi/scanner/testing/aws-organization-fixture';
import { startFakeAwsOrganization } from '@nhi/scanner/testing/fake-aws-organization-server';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, visit } from './support/session.ts';

const managementKey = {
  accessKeyId: 'AKIAE2EMANAGEMENT001',
  secretAccessKey: 'e2e-management-secret-access-key-00000000',
  externalId: 'e2e-org-external-id',
};
const audit = '444444444444';
/** Someone who runs scans but manages no source: an editor. */
const scannerEmail = 'scans@nhi.local';
const scannerPassword = 'e2e-scans-password';

type FakeOrganization = Awaited<ReturnType<typeof startFakeAwsOrganization>>;
let organization: FakeOrganization | undefined;
afterAll(() => organization?.close());

/**
 * An organization of four accounts behind one fake endpoint (staging refuses the role), an AWS
 * source on it in the hub realm, and an editor to scan it. The source is written as a row: the form
 * has no field for an endpoint, which only a test points elsewhere than AWS.
 */
async function seedOrganization(dataDir: string): Promise<{ sourceId: string }> {
  organization = await startFakeAwsOrganization({
    accessKeyId: managementKey.accessKeyId,
    managementAccountId: '111111111111',
    rootId: 'r-root',
    externalId: managementKey.externalId,
    accounts: [
      { id: '111111111111', name: 'management' },
      { id: '222222222222', name: 'production' },
      { id: '333333333333', name: 'staging', refusesAssumeRole: true },
      { id: audit, name: 'audit' },
    ].map((account) => ({ ...account, parent: 'r-root', iam: memberIam(account.id) })),
  });
  const endpoint = organization.endpoint;
  return withSeedingRuntime(dataDir, async (runtime) => {
    await runtime.root
      .resolve(RealmAdminService)
      .createUser({ email: scannerEmail, realmSlug: 'hub', role: 'editor', password: scannerPassword });
    const db = runtime.root.resolve<PlatformDatabase>(PLATFORM_DATABASE);
    const realm = await db.systemPrisma.realm.findUniqueOrThrow({
      where: { slug: 'hub' },
      select: { id: true },
    });
    const encryptedSecrets = await runtime.root.resolve(ScannerSecrets).encryptJson(managementKey);
    const source = await new RealmDb(db, realm.id).transaction((tx) =>
      tx.source.create({
        data: {
          type: 'aws_iam',
          name: 'aws organization',
          settings: { endpoint, region: 'us-east-1', roleName: 'NhiHubReadOnly', accessAdvisor: 'false' },
          encryptedSecrets,
        },
        select: { id: true },
      }),
    );
    return { sourceId: source.id };
  });
}

const sharedHub = hubForFile(seedOrganization);

/** Starts a scan of the whole organization as the signed-in user, through the hub's API. */
async function startOrganizationScan(page: Page, sourceId: string): Promise<string> {
  const answer = await page.evaluate(async (id) => {
    const response = await fetch('/api/trpc/scanner.scan.start', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceId: id, input: 'aws.organization' }),
    });
    return { status: response.status, body: await response.json() };
  }, sourceId);
  expect(answer.status).toBe(200);
  return (answer.body as { result: { data: { id: string } } }).result.data.id;
}

describe('organization scan progress in a browser', () => {
  it('follows the accounts read while one is slow, then names the refused one when all are read', async () => {
    const { hub, value } = await sharedHub();
    // Audit's IAM answers wait until released: the scan stays on it, the others done.
    const release = organization?.hold(audit) ?? (() => {});
    onTestFinished(release);
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page, scannerEmail, scannerPassword);

    const scanId = await startOrganizationScan(page, value.sourceId);
    await visit(page, `/scans/${scanId}`);

    // The page reads the scan again every second: the line follows it without a reload.
    const line = page.getByTestId('scan-read-progress');
    await expect
      .poll(() => line.textContent(), { timeout: 15_000 })
      .toBe('Reading accounts: 3 of 4, 1 failed (staging (333333333333)); now reading audit (444444444444).');
    expect(await page.getByTestId('scan-detail').getAttribute('data-state')).toBe('running');
    await screenshot(page, 'scan-organization-progress');
    expect(await axeViolations(page)).toEqual([]);

    release();
    await expect
      .poll(() => page.getByTestId('scan-detail').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('succeeded');
    expect(await line.textContent()).toBe('Read 4 of 4 accounts, 1 failed (staging (333333333333)).');
    expect(await page.getByTestId('count-new').textContent()).toBe('6');
    expect(await axeViolations(page)).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
