import { createHash, generateKeyPairSync } from 'node:crypto';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ScanRunner } from '../../service/scan-runner.ts';
import { type FakeGcpCloud, startFakeGcp } from '../../testing/fake-gcp-server.ts';
import { setupScanner } from '../../testing/scanner-test-setup.ts';
import { gcpCaller, keyFileOf } from './gcp-client.ts';
import { discoverFolders, readGcpLive } from './gcp-live.ts';

const scanner = 'nhi-hub-reader@sec-tools.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

const project = 'shop-prod';
const robot = `robot@${project}.iam.gserviceaccount.com`;
const deployer = `deployer@${project}.iam.gserviceaccount.com`;
const organization = '4455';

/**
 * Organization 4455 holds folders 10 and 11; 10 holds 20, 21 and 31 (being deleted); 20 holds 30.
 * Robot is editor on the project, deployer editor on folder 30 only.
 */
function cloud(extra: Partial<FakeGcpCloud> = {}): FakeGcpCloud {
  return {
    clientEmail: scanner,
    publicKey,
    projects: {
      [project]: {
        serviceAccounts: [robot, deployer].map((email, index) => ({
          name: `projects/${project}/serviceAccounts/${email}`,
          projectId: project,
          uniqueId: `20000000000000000000${index}`,
          email,
        })),
        policy: { bindings: [{ role: 'roles/editor', members: [`serviceAccount:${robot}`] }] },
        activities: [],
      },
    },
    organization: { id: organization, policy: { bindings: [] } },
    folderParents: {
      '10': `organizations/${organization}`,
      '11': `organizations/${organization}`,
      '20': 'folders/10',
      '21': 'folders/10',
      '31': { parent: 'folders/10', state: 'DELETE_REQUESTED' },
      '30': 'folders/20',
    },
    folders: {
      '10': { bindings: [] },
      '11': { bindings: [] },
      '20': { bindings: [{ role: 'roles/viewer', members: [`serviceAccount:${robot}`] }] },
      '21': { bindings: [] },
      '30': { bindings: [{ role: 'roles/editor', members: [`serviceAccount:${deployer}`] }] },
      '31': { bindings: [{ role: 'roles/owner', members: [`serviceAccount:${deployer}`] }] },
    },
    ...extra,
  };
}

const keyFile = (tokenUrl: string) =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'sec-tools',
    private_key_id: 'k3y2d',
    private_key: privateKey,
    client_email: scanner,
    token_uri: tokenUrl,
  });

async function setup(extra: Partial<FakeGcpCloud> = {}) {
  const fake = cloud(extra);
  const gcp = await startFakeGcp(fake);
  onTestFinished(() => gcp.close());
  const context = (settings: Record<string, unknown> = {}) => ({
    settings: { apiEndpoint: gcp.endpoint, organization, ...settings },
    secrets: { serviceAccountKey: keyFile(gcp.tokenUrl) },
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: null,
  });
  const api = () => gcpCaller(keyFileOf(context().secrets), gcp.endpoint, new AbortController().signal);
  return { fake, gcp, context, api };
}

const folderPoliciesRead = (requests: string[]) =>
  requests.flatMap((request) => /^POST \/v3\/folders\/(\d+):getIamPolicy$/.exec(request)?.[1] ?? []).sort();
const editorFacts = (output: Awaited<ReturnType<typeof readGcpLive>>) =>
  output.nhis.flatMap((nhi) =>
    nhi.facts
      .filter((fact) => fact.kind === 'gcp.editor_role')
      .map((fact) => [nhi.externalId, fact.kind, fact.evidence]),
  );

describe('Google Cloud folders under an organization', () => {
  it('finds nested folders page by page and reads each one’s policy like a project’s', async () => {
    const { gcp, context } = await setup();

    const output = await readGcpLive(context());

    expect(folderPoliciesRead(gcp.requests)).toEqual(['10', '11', '20', '21', '30']);
    // One folder a page: two pages for the organization and for folder 10, one for each other folder.
    expect(gcp.requests.filter((request) => request === 'GET /v3/folders')).toHaveLength(8);
    expect(editorFacts(output)).toEqual([
      [robot, 'gcp.editor_role', { resource: `projects/${project}`, role: 'roles/editor' }],
      [deployer, 'gcp.editor_role', { resource: 'folders/30', role: 'roles/editor' }],
    ]);
    expect(output.nhis.find((nhi) => nhi.externalId === deployer)?.permissions).toEqual([
      { resource: 'folders/30', role: 'roles/editor' },
    ]);
    expect(output.warnings).toEqual([]);
  });

  it('reports a folder it may not read as a warning and reads the others', async () => {
    const { gcp, context } = await setup({ denied: ['folders/20'] });

    const output = await readGcpLive(context());

    expect(output.warnings).toEqual([
      {
        item: 'folders/20',
        message: expect.stringMatching(/^folders not listable.*'resourcemanager\.folders\.list' denied/),
      },
      {
        item: 'folders/20',
        message: expect.stringMatching(/^IAM policy not readable.*'resourcemanager\.folders\.getIamPolicy'/),
      },
    ]);
    expect(folderPoliciesRead(gcp.requests)).toEqual(['10', '11', '20', '21']);
    expect(output.nhis).toHaveLength(2);
  });

  it('reads the folders a source names besides those it finds, each once', async () => {
    const { gcp, context } = await setup({ folderParents: {} });

    await readGcpLive(context({ folders: 'folders/30, 11' }));

    expect(folderPoliciesRead(gcp.requests)).toEqual(['11', '30']);
  });

  it('stops at the cap on folders and says so', async () => {
    const { api } = await setup();
    const warnings: { item: string; message: string }[] = [];

    const folders = await discoverFolders(api(), organization, warnings, 3);

    expect(folders).toEqual(['10', '11', '20']);
    expect(warnings).toEqual([
      { item: `organizations/${organization}`, message: 'more than 3 folders: only the first 3 are read' },
    ]);
  });

  it('stops ten levels down, as deep as folders nest, and says so', async () => {
    const chain = Object.fromEntries(
      Array.from({ length: 12 }, (_, index) => [
        String(100 + index),
        index === 0 ? `organizations/${organization}` : `folders/${99 + index}`,
      ]),
    );
    const { api } = await setup({ folderParents: chain });
    const warnings: { item: string; message: string }[] = [];

    const folders = await discoverFolders(api(), organization, warnings);

    expect(folders).toHaveLength(10);
    expect(warnings).toEqual([
      {
        item: `organizations/${organization}`,
        message: 'folders nest deeper than 10 levels: those below folders/109 are not read',
      },
    ]);
  });
});

describeEachDatabase('Google Cloud organization scans', (_kind, newDatabase) => {
  it('records a folder’s editor binding as the same fact a project’s raises', async () => {
    const hub = await setupScanner(newDatabase, { work: false });
    const { gcp } = await setup();
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({
      type: 'gcp',
      name: 'organization',
      settings: { organization, apiEndpoint: gcp.endpoint },
      secrets: { serviceAccountKey: keyFile(gcp.tokenUrl) },
    });

    const started = await scanner.startScan({ sourceId: source.id, input: 'gcp.live' });
    await hub.root.resolve(ScanRunner).run(hub.hubRealm.id, started.id);

    expect(await scanner.getScan(started.id)).toMatchObject({ state: 'succeeded', warningCount: 0 });
    const facts = await new RealmDb(hub.db, hub.hubRealm.id).transaction((tx) =>
      tx.scanFact.findMany({
        where: { kind: 'gcp.editor_role' },
        select: { kind: true, evidence: true, nhi: { select: { externalId: true } } },
      }),
    );
    expect(
      facts
        .map((fact) => [fact.nhi?.externalId, fact.kind, fact.evidence])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      [deployer, 'gcp.editor_role', { resource: 'folders/30', role: 'roles/editor' }],
      [robot, 'gcp.editor_role', { resource: `projects/${project}`, role: 'roles/editor' }],
    ]);
  });
});
