import { generateKeyPairSync } from 'node:crypto';
import { JOB_QUEUE, JobQueue, LOGGER } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { registerScannerJobs, ScannerService, ScanRunner } from '@nhi/scanner';
import { type FakeGcpCloud, startFakeGcp } from '@nhi/scanner/testing/fake-gcp-server';
import { expect, it, onTestFinished } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';

const reader = 'nhi-hub-reader@sec-tools.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const project = 'shop-prod';
const robot = `robot@${project}.iam.gserviceaccount.com`;
const organization = '4455';
/** The folder under the organization that makes the robot an editor. */
const folder = '10';

/** Organization 4455 holds folder 10, where the robot of project shop-prod is an editor. */
function cloud(): FakeGcpCloud {
  return {
    clientEmail: reader,
    publicKey,
    projects: {
      [project]: {
        serviceAccounts: [
          {
            name: `projects/${project}/serviceAccounts/${robot}`,
            projectId: project,
            uniqueId: '300000000000000000001',
            email: robot,
          },
        ],
        policy: { bindings: [] },
        activities: [],
      },
    },
    organization: { id: organization, policy: { bindings: [] } },
    folderParents: { [folder]: `organizations/${organization}` },
    folders: { [folder]: { bindings: [{ role: 'roles/editor', members: [`serviceAccount:${robot}`] }] } },
  };
}

/**
 * A realm with a Google Cloud source on the organization, scanned once: the robot's folder-level
 * editor binding is a fact and the NHI5 alert on it is open.
 */
async function setup(newDatabase: NewTestDatabase) {
  const w = await setupAlerts(newDatabase);
  const jobs = new JobQueue(w.db.jobStore, w.root.resolve(LOGGER), {
    pollingIntervalSeconds: 0.5,
    work: false,
  });
  await jobs.start();
  onTestFinished(() => jobs.stop());
  w.root.register(JOB_QUEUE, { useValue: jobs });
  await registerScannerJobs(w.root, {});
  const fake = cloud();
  const gcp = await startFakeGcp(fake);
  onTestFinished(() => gcp.close());
  const scanner = (await w.scopeOf(w.ana)).resolve(ScannerService);
  const keyFile = JSON.stringify({
    type: 'service_account',
    project_id: 'sec-tools',
    private_key_id: 'k3y2d',
    private_key: privateKey,
    client_email: reader,
    token_uri: gcp.tokenUrl,
  });
  const source = await scanner.createSource({
    type: 'gcp',
    name: 'organization',
    settings: { organization, apiEndpoint: gcp.endpoint },
    secrets: { serviceAccountKey: keyFile },
  });

  /** Scans the source, then evaluates the alert rules as the hub does after a scan. */
  async function scan() {
    const started = await scanner.startScan({ sourceId: source.id, input: 'gcp.live' });
    await w.root.resolve(ScanRunner).run(w.hubRealm.id, started.id);
    await w.evaluate();
    return scanner.getScan(started.id);
  }
  /** The robot's editor facts, as `resource role`. */
  async function editorFacts() {
    const rows = await w.realmDb.transaction((tx) =>
      tx.scanFact.findMany({
        where: { kind: 'gcp.editor_role', nhi: { externalId: robot } },
        select: { evidence: true },
      }),
    );
    return rows.map(({ evidence }) => {
      const { resource, role } = evidence as { resource: string; role: string };
      return `${resource} ${role}`;
    });
  }
  /** The state of the robot's NHI5 alert on its editor role, or null when there is none. */
  async function editorAlert() {
    const alerts = await w.alerts();
    return alerts.find((alert) => alert.ruleId === 'nhi5.wildcard_permissions')?.state ?? null;
  }

  expect(await scan()).toMatchObject({ state: 'succeeded', warningCount: 0 });
  expect(await editorFacts()).toEqual([`folders/${folder} roles/editor`]);
  expect(await editorAlert()).toBe('open');
  return { fake, scan, editorFacts, editorAlert };
}

describeEachDatabase('NHI5 alerts on Google Cloud folder bindings', (_kind, newDatabase) => {
  it('keeps the fact and its alert open while the folder’s policy is refused, and resolves them once it is read without the binding', async () => {
    const { fake, scan, editorFacts, editorAlert } = await setup(newDatabase);

    fake.denied = ['resourcemanager.folders.getIamPolicy'];
    const refused = await scan();
    const factsWhileRefused = await editorFacts();
    const alertWhileRefused = await editorAlert();
    const refusedAgain = await scan();
    const factsStillRefused = await editorFacts();
    fake.denied = [];
    fake.folders = { [folder]: { bindings: [] } };
    const read = await scan();

    expect(refused).toMatchObject({
      state: 'succeeded',
      warnings: [{ item: `folders/${folder}`, message: expect.stringContaining('IAM policy not readable') }],
    });
    expect(factsWhileRefused).toEqual([`folders/${folder} roles/editor`]);
    expect(alertWhileRefused).toBe('open');
    expect(refusedAgain).toMatchObject({ state: 'succeeded', warningCount: 1 });
    expect(factsStillRefused).toEqual([`folders/${folder} roles/editor`]);
    expect(read).toMatchObject({ state: 'succeeded', warningCount: 0 });
    expect(await editorFacts()).toEqual([]);
    expect(await editorAlert()).toBe('resolved');
  });

  it('removes the fact and resolves its alert when the folder is deleted', async () => {
    const { fake, scan, editorFacts, editorAlert } = await setup(newDatabase);

    fake.folderParents = { [folder]: { parent: `organizations/${organization}`, state: 'DELETE_REQUESTED' } };
    const after = await scan();

    expect(after).toMatchObject({ state: 'succeeded', warningCount: 0 });
    expect(await editorFacts()).toEqual([]);
    expect(await editorAlert()).toBe('resolved');
  });
});
