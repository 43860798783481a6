import { createHash, generateKeyPairSync } from 'node:crypto';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { unreadResourceIn, withKeptPermissions } from '../../service/reconcile/unread-permissions.ts';
import { ScanRunner } from '../../service/scan-runner.ts';
import { type FakeGcpCloud, startFakeGcp } from '../../testing/fake-gcp-server.ts';
import { setupScanner } from '../../testing/scanner-test-setup.ts';
import { readGcpLive } from './gcp-live.ts';

const reader = 'nhi-hub-reader@sec-tools.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const project = 'shop-prod';
const robot = `robot@${project}.iam.gserviceaccount.com`;
const ci = 'ci@build-prj.iam.gserviceaccount.com';
const organization = '4455';

const account = (projectId: string, email: string, uniqueId: string) => ({
  name: `projects/${projectId}/serviceAccounts/${email}`,
  projectId,
  uniqueId,
  email,
});

/**
 * Organization 4455 holds folder 10, where the robot of shop-prod is an editor and the CI account
 * of build-prj an owner.
 */
function cloud(): FakeGcpCloud {
  return {
    clientEmail: reader,
    publicKey,
    projects: {
      [project]: {
        serviceAccounts: [account(project, robot, '400000000000000000001')],
        policy: { bindings: [] },
        activities: [],
      },
      'build-prj': {
        serviceAccounts: [account('build-prj', ci, '400000000000000000002')],
        policy: { bindings: [] },
        activities: [],
      },
    },
    organization: { id: organization, policy: { bindings: [] } },
    folderParents: { '10': `organizations/${organization}` },
    folders: {
      '10': {
        bindings: [
          { role: 'roles/editor', members: [`serviceAccount:${robot}`] },
          { role: 'roles/owner', members: [`serviceAccount:${ci}`] },
        ],
      },
    },
  };
}

async function setup() {
  const fake = cloud();
  const gcp = await startFakeGcp(fake);
  onTestFinished(() => gcp.close());
  const keyFile = JSON.stringify({
    type: 'service_account',
    project_id: 'sec-tools',
    private_key_id: 'k3y3d',
    private_key: privateKey,
    client_email: reader,
    token_uri: gcp.tokenUrl,
  });
  const context = () => ({
    settings: { apiEndpoint: gcp.endpoint, organization, projects: project },
    secrets: { serviceAccountKey: keyFile },
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: null,
  });
  return { fake, gcp, keyFile, context };
}

describe('Google Cloud policies a scan could not read', () => {
  it.each([
    { refused: 'nothing', denied: [], unread: undefined },
    {
      refused: 'a folder’s policy',
      denied: ['resourcemanager.folders.getIamPolicy'],
      unread: ['folders/10'],
    },
    {
      refused: 'the organization’s policy',
      denied: ['resourcemanager.organizations.getIamPolicy'],
      unread: [`organizations/${organization}`],
    },
    {
      refused: 'a project’s policy',
      denied: ['resourcemanager.projects.getIamPolicy'],
      unread: [`projects/${project}`],
    },
    // Which folders went unfound is unknown: every folder's bindings stand.
    { refused: 'listing folders', denied: ['resourcemanager.folders.list'], unread: ['folders/'] },
  ])('names what it could not read when the key is refused $refused', async ({ denied, unread }) => {
    const { fake, context } = await setup();
    fake.denied = denied;

    const output = await readGcpLive(context());

    expect(output.unreadFactResources).toEqual(unread);
  });
});

describe('Permission entries of a resource a scan could not read', () => {
  const entry = (resource: string, role = 'roles/editor') => ({ resource, role });
  const [projectGrant, folderGrant, folderOwner, organizationGrant] = [
    entry('projects/a'),
    entry('folders/10'),
    entry('folders/10', 'roles/owner'),
    entry('organizations/1'),
  ];
  const newProjectGrant = entry('projects/b');
  const stored = [projectGrant, folderGrant, folderOwner, organizationGrant];

  it.each([
    { read: 'the same other grants', now: [projectGrant, organizationGrant], merged: stored },
    {
      read: 'a new project grant',
      now: [projectGrant, newProjectGrant, organizationGrant],
      merged: [projectGrant, newProjectGrant, folderGrant, folderOwner, organizationGrant],
    },
    { read: 'no other grant', now: [], merged: [folderGrant, folderOwner] },
  ])('puts the kept entries where a read of their resource would when it reads $read', ({ now, merged }) => {
    const unread = unreadResourceIn(['folders/10']);

    const once = withKeptPermissions(now, stored, unread);
    const twice = withKeptPermissions(now, once, unread);

    expect(once).toEqual(merged);
    expect(twice).toEqual(merged);
  });
});

describeEachDatabase('Google Cloud facts on another source’s account', (_kind, newDatabase) => {
  it('keeps the owner binding a refused folder gave an account of another project, until the folder is read', async () => {
    const hub = await setupScanner(newDatabase, { work: false });
    const { fake, gcp, keyFile } = await setup();
    const scanner = await hub.scannerOf();
    const source = (name: string, settings: Record<string, unknown>) =>
      scanner.createSource({
        type: 'gcp',
        name,
        settings: { apiEndpoint: gcp.endpoint, ...settings },
        secrets: { serviceAccountKey: keyFile },
      });
    const build = await source('build', { projects: 'build-prj' });
    const shop = await source('shop', { organization, projects: project });
    const scan = async (sourceId: string) => {
      const started = await scanner.startScan({ sourceId, input: 'gcp.live' });
      await hub.root.resolve(ScanRunner).run(hub.hubRealm.id, started.id);
      return scanner.getScan(started.id);
    };
    const ownerFacts = async () =>
      (
        await new RealmDb(hub.db, hub.hubRealm.id).transaction((tx) =>
          tx.scanFact.findMany({
            where: { kind: 'gcp.owner_role', sourceId: shop.id },
            select: { subject: true, nhi: { select: { externalId: true } } },
          }),
        )
      ).map((fact) => `${fact.nhi?.externalId} ${fact.subject.split('|')[1]}`);
    await scan(build.id);
    await scan(shop.id);
    const read = await ownerFacts();

    fake.denied = ['resourcemanager.folders.getIamPolicy'];
    const refused = await scan(shop.id);
    const whileRefused = await ownerFacts();
    fake.denied = [];
    fake.folders = { '10': { bindings: [] } };
    await scan(shop.id);

    expect(read).toEqual([`${ci} folders/10`]);
    expect(refused).toMatchObject({ state: 'succeeded', warningCount: 1 });
    expect(whileRefused).toEqual([`${ci} folders/10`]);
    expect(await ownerFacts()).toEqual([]);
  });
});

describeEachDatabase('Google Cloud permissions of a refused folder', (_kind, newDatabase) => {
  it('keeps the grants a refused folder gave in the identity’s permissions, until the folder is read', async () => {
    const hub = await setupScanner(newDatabase, { work: false });
    const { fake, gcp, keyFile } = await setup();
    fake.projects[project] = {
      serviceAccounts: [account(project, robot, '400000000000000000001')],
      policy: { bindings: [{ role: 'roles/viewer', members: [`serviceAccount:${robot}`] }] },
    };
    fake.organization = {
      id: organization,
      policy: { bindings: [{ role: 'roles/browser', members: [`serviceAccount:${robot}`] }] },
    };
    const scanner = await hub.scannerOf();
    const shop = await scanner.createSource({
      type: 'gcp',
      name: 'shop',
      settings: { apiEndpoint: gcp.endpoint, organization, projects: project },
      secrets: { serviceAccountKey: keyFile },
    });
    const scan = async () => {
      const started = await scanner.startScan({ sourceId: shop.id, input: 'gcp.live' });
      await hub.root.resolve(ScanRunner).run(hub.hubRealm.id, started.id);
      return scanner.getScan(started.id);
    };
    const stored = () =>
      new RealmDb(hub.db, hub.hubRealm.id).transaction((tx) =>
        tx.nhi.findFirstOrThrow({
          where: { realmId: hub.hubRealm.id, provider: 'gcp', externalId: robot },
          select: { permissions: true, version: true },
        }),
      );
    const grant = (resource: string, role: string) => ({ resource, role });
    await scan();
    const read = await stored();

    fake.denied = ['resourcemanager.folders.getIamPolicy'];
    const refused = await scan();
    const onceRefused = await stored();
    await scan();
    const twiceRefused = await stored();
    fake.denied = [];
    fake.folders = { '10': { bindings: [{ role: 'roles/owner', members: [`serviceAccount:${ci}`] }] } };
    await scan();
    const readAgain = await stored();

    expect(read.permissions).toEqual([
      grant(`projects/${project}`, 'roles/viewer'),
      grant('folders/10', 'roles/editor'),
      grant(`organizations/${organization}`, 'roles/browser'),
    ]);
    expect(refused).toMatchObject({ state: 'succeeded', warningCount: 1 });
    // In its place, so the identity is not changed by a refusal: no new version.
    expect(onceRefused).toEqual(read);
    expect(twiceRefused).toEqual(read);
    expect(readAgain.permissions).toEqual([
      grant(`projects/${project}`, 'roles/viewer'),
      grant(`organizations/${organization}`, 'roles/browser'),
    ]);
    expect(readAgain.version).toBe(read.version + 1);
  });
});
