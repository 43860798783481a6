import { createHash, generateKeyPairSync } from 'node:crypto';
import { createLogger, LOGGER, RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ScanRunner } from '../../service/scan-runner.ts';
import { type FakeGcpCloud, startFakeGcp } from '../../testing/fake-gcp-server.ts';
import { setupScanner } from '../../testing/scanner-test-setup.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { testGcpConnection } from './gcp.ts';
import { readGcpLive } from './gcp-live.ts';

const scanner = 'nhi-hub-reader@sec-tools.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const other = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
/** The part of the private key that is secret, as it would show if it leaked. */
const privateKeyBody = privateKey.replace(/-----[A-Z ]+-----|\s/g, '');

const project = 'shop-prod';
const robot = `robot@${project}.iam.gserviceaccount.com`;
const deployer = `deployer@${project}.iam.gserviceaccount.com`;
const keyName = (email: string, id: string) => `projects/${project}/serviceAccounts/${email}/keys/${id}`;

function cloud(extra: Partial<FakeGcpCloud> = {}): FakeGcpCloud {
  return {
    clientEmail: scanner,
    publicKey,
    projects: {
      [project]: {
        serviceAccounts: [robot, deployer].map((email, index) => ({
          name: `projects/${project}/serviceAccounts/${email}`,
          projectId: project,
          uniqueId: `10000000000000000000${index}`,
          email,
          displayName: email.split('@')[0],
        })),
        keys: {
          [robot]: [
            {
              name: keyName(robot, 'aaa111'),
              keyType: 'USER_MANAGED',
              validAfterTime: '2024-01-01T00:00:00Z',
              validBeforeTime: '9999-12-31T23:59:59Z',
            },
            {
              name: keyName(robot, 'sys999'),
              keyType: 'SYSTEM_MANAGED',
              validAfterTime: '2024-05-01T00:00:00Z',
              validBeforeTime: '2024-05-17T00:00:00Z',
            },
          ],
        },
        policy: {
          bindings: [
            { role: 'roles/editor', members: [`serviceAccount:${robot}`, 'user:ana@example.com'] },
            { role: 'roles/iam.serviceAccountTokenCreator', members: [`serviceAccount:${deployer}`] },
          ],
        },
        activities: [],
        labels: { team: 'payments' },
      },
      'locked-prj': { serviceAccounts: [] },
    },
    organization: {
      id: '4455',
      policy: { bindings: [{ role: 'roles/owner', members: [`serviceAccount:${deployer}`] }] },
    },
    denied: ['projects/locked-prj'],
    ...extra,
  };
}

const keyFile = (tokenUrl: string, key = privateKey) =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'sec-tools',
    private_key_id: 'k3y1d',
    private_key: key,
    client_email: scanner,
    client_id: '1234567890',
    token_uri: tokenUrl,
  });

async function setup(extra: Partial<FakeGcpCloud> = {}) {
  const gcp = await startFakeGcp(cloud(extra));
  onTestFinished(() => gcp.close());
  const context = (settings: Record<string, unknown>, key = privateKey) => ({
    settings: { apiEndpoint: gcp.endpoint, ...settings },
    secrets: { serviceAccountKey: keyFile(gcp.tokenUrl, key) },
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: null,
  });
  return { gcp, context };
}

describe('Google Cloud live collection against a local Google Cloud', () => {
  it('pages through service accounts, lists user-managed keys and reads project and organization policies', async () => {
    const { gcp, context } = await setup();

    const output = await readGcpLive(context({ projects: project, organization: '4455' }));

    expect(output.nhis.map((nhi) => [nhi.externalId, nhi.facts.map((fact) => fact.kind).sort()])).toEqual([
      [robot, ['credential.never_used', 'gcp.editor_role']],
      [deployer, ['gcp.impersonation', 'gcp.owner_role']],
    ]);
    expect(output.nhis[0]?.credentials?.map((credential) => credential.key)).toEqual(['aaa111']);
    expect(output.warnings).toEqual([]);
    expect(gcp.requests.filter((request) => request.endsWith('/serviceAccounts'))).toHaveLength(2);
  });

  it('reads every project of the organization when no project is named', async () => {
    const { context } = await setup({ denied: [] });

    const output = await readGcpLive(context({ organization: 'organizations/4455' }));

    expect(output.nhis).toHaveLength(2);
    expect(output.nhis[0]?.metadata).toMatchObject({ authorization: { tags: { team: 'payments' } } });
  });

  it('reports a project it may not read as a warning and keeps the others', async () => {
    const { context } = await setup();

    const output = await readGcpLive(context({ projects: `${project}, locked-prj` }));

    expect(output.nhis).toHaveLength(2);
    expect(output.warnings).toEqual([
      {
        item: 'project locked-prj',
        message: expect.stringContaining("Permission 'iam.serviceAccounts.list' denied"),
      },
    ]);
  });

  it('leaves last use unknown, without never-used findings, when key activity is refused', async () => {
    const { context } = await setup({
      denied: ['policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query'],
    });

    const output = await readGcpLive(context({ projects: project }));

    expect(output.nhis.flatMap((nhi) => nhi.facts).map((fact) => fact.kind)).not.toContain(
      'credential.never_used',
    );
    expect(output.warnings).toEqual([
      { item: `project ${project}`, message: expect.stringContaining('key activity not readable') },
    ]);
  });

  it('leaves the permissions of a project whose policy is refused as they were', async () => {
    const { context } = await setup({ denied: ['resourcemanager.projects.getIamPolicy'] });

    const output = await readGcpLive(context({ projects: project }));

    expect(output.nhis.map((nhi) => nhi.permissions)).toEqual([undefined, undefined]);
    expect(output.warnings).toEqual([
      { item: `projects/${project}`, message: expect.stringContaining('IAM policy not readable') },
    ]);
  });

  it('fails when the token endpoint refuses a key not of the service account', async () => {
    const { context } = await setup();

    await expect(readGcpLive(context({ projects: project }, other.privateKey))).rejects.toThrow(
      /invalid_grant/,
    );
  });

  it.each([
    { name: 'names a readable project', settings: { projects: project }, ok: true },
    { name: 'names a refused project', settings: { projects: 'locked-prj' }, ok: false },
  ])('tests the connection when it $name', async ({ settings, ok }) => {
    const { gcp } = await setup();

    const result = await testGcpConnection(
      { apiEndpoint: gcp.endpoint, ...settings },
      { serviceAccountKey: keyFile(gcp.tokenUrl) },
      new AbortController().signal,
    ).catch((error: Error) => ({ ok: false, message: error.message }));

    expect(result.ok).toBe(ok);
    expect(exposedRuns(result, privateKeyBody, 16)).toEqual([]);
  });

  it('sends no part of the private key to the APIs', async () => {
    const { gcp, context } = await setup();

    const output = await readGcpLive(context({ projects: project }));

    expect(exposedRuns([output, gcp.bodies], privateKeyBody, 16)).toEqual([]);
  });
});

describeEachDatabase('live Google Cloud scans', (_kind, newDatabase) => {
  it('scans a source’s projects with its stored key and keeps the key out of rows and logs', async () => {
    // The scan runs here, not on the queue, so its runner writes to the captured log.
    const hub = await setupScanner(newDatabase, { work: false });
    const lines: string[] = [];
    hub.root.register(LOGGER, {
      useValue: createLogger({ level: 'trace', destination: { write: (line: string) => lines.push(line) } }),
    });
    const gcp = await startFakeGcp(cloud());
    onTestFinished(() => gcp.close());
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({
      type: 'gcp',
      name: 'shop',
      settings: { projects: `${project},locked-prj`, apiEndpoint: gcp.endpoint },
      secrets: { serviceAccountKey: keyFile(gcp.tokenUrl) },
    });

    const started = await scanner.startScan({ sourceId: source.id, input: 'gcp.live' });
    await hub.root.resolve(ScanRunner).run(hub.hubRealm.id, started.id);
    const scan = await scanner.getScan(started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { new: 2 } });
    const rows = await new RealmDb(hub.db, hub.hubRealm.id).transaction(async (tx) => ({
      nhis: await tx.nhi.findMany({ orderBy: { name: 'asc' } }),
      credentials: await tx.credential.findMany(),
      facts: await tx.scanFact.findMany({ orderBy: { kind: 'asc' } }),
      scans: await tx.scan.findMany(),
      sources: await tx.source.findMany(),
    }));
    expect(rows.nhis.map((nhi) => nhi.name)).toEqual([deployer, robot]);
    expect(rows.facts.map((fact) => fact.kind)).toEqual([
      'credential.never_used',
      'gcp.editor_role',
      'gcp.impersonation',
    ]);
    expect(JSON.stringify(scan)).toContain('locked-prj');
    expect(lines.join('\n')).toContain('scan succeeded');
    expect(exposedRuns([rows, scan, await scanner.listScans()], privateKeyBody, 16)).toEqual([]);
    expect(exposedRuns(lines.join('\n'), privateKeyBody, 16)).toEqual([]);
  });
});

describeEachDatabase(
  'live Google Cloud scans of a project refused after it was read',
  (_kind, newDatabase) => {
    async function setupScan() {
      const hub = await setupScanner(newDatabase, { work: false });
      const fake = cloud({ denied: [] });
      const gcp = await startFakeGcp(fake);
      onTestFinished(() => gcp.close());
      const scanner = await hub.scannerOf();
      const source = await scanner.createSource({
        type: 'gcp',
        name: 'shop',
        settings: { projects: `${project},locked-prj`, apiEndpoint: gcp.endpoint },
        secrets: { serviceAccountKey: keyFile(gcp.tokenUrl) },
      });
      const scan = async () => {
        const started = await scanner.startScan({ sourceId: source.id, input: 'gcp.live' });
        await hub.root.resolve(ScanRunner).run(hub.hubRealm.id, started.id);
        return scanner.getScan(started.id);
      };
      const missing = async () =>
        (
          await new RealmDb(hub.db, hub.hubRealm.id).transaction((tx) =>
            tx.sourceItem.findMany({
              where: { missing: true },
              select: { nhi: { select: { externalId: true } } },
            }),
          )
        ).map((row) => row.nhi.externalId);
      return { fake, scan, missing };
    }

    it('keeps the refused project’s accounts, marking none missing, and reads them again once allowed', async () => {
      const { fake, scan, missing } = await setupScan();
      expect(await scan()).toMatchObject({ state: 'succeeded', counts: { new: 2 } });

      fake.denied = [`projects/${project}`];
      const refused = await scan();
      fake.denied = [];
      const allowed = await scan();

      expect(refused).toMatchObject({ state: 'succeeded', counts: { missing: 0 } });
      expect(JSON.stringify(refused)).toContain(`project ${project}`);
      expect(allowed).toMatchObject({ state: 'succeeded', counts: { new: 0, missing: 0 } });
      expect(await missing()).toEqual([]);
    });

    it('marks an account missing when its project is read and no longer lists it', async () => {
      const { fake, scan, missing } = await setupScan();
      await scan();

      const shop = fake.projects[project];
      if (shop) shop.serviceAccounts = shop.serviceAccounts.filter((account) => account.email !== deployer);
      const after = await scan();

      expect(after).toMatchObject({ state: 'succeeded', counts: { missing: 1 } });
      expect(await missing()).toEqual([deployer]);
    });
  },
);
