import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UnreadableInputError } from '../connector.ts';
import { readGcpExport } from './gcp.ts';
import type { GcpExport, GcpServiceAccount, GcpServiceAccountKey } from './gcp-model.ts';

const project = 'shop-prod';
const robot = `robot@${project}.iam.gserviceaccount.com`;
const compute = '123456789012-compute@developer.gserviceaccount.com';
const keyId = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

function account(email: string, extra: Partial<GcpServiceAccount> = {}): GcpServiceAccount {
  return {
    name: `projects/${project}/serviceAccounts/${email}`,
    projectId: project,
    uniqueId: '104857600000000000001',
    email,
    displayName: 'Robot',
    ...extra,
  };
}

function key(id: string, extra: Partial<GcpServiceAccountKey> = {}): GcpServiceAccountKey {
  return {
    name: `projects/${project}/serviceAccounts/${robot}/keys/${id}`,
    keyAlgorithm: 'KEY_ALG_RSA_2048',
    keyOrigin: 'GOOGLE_PROVIDED',
    keyType: 'USER_MANAGED',
    validAfterTime: '2024-01-02T03:04:05Z',
    validBeforeTime: '9999-12-31T23:59:59Z',
    ...extra,
  };
}

function setup(data: GcpExport | unknown) {
  const context = {
    settings: {},
    secrets: {},
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: 'gcp.json',
  };
  return () => readGcpExport(Buffer.from(JSON.stringify(data)), context);
}

const binding = (role: string, member = `serviceAccount:${robot}`) => ({ role, members: [member] });

describe('Google Cloud export import', () => {
  it.each([
    { name: 'roles/owner on the project', role: 'roles/owner', facts: ['gcp.owner_role'] },
    { name: 'roles/editor on the project', role: 'roles/editor', facts: ['gcp.editor_role'] },
    {
      name: 'token creator at project level',
      role: 'roles/iam.serviceAccountTokenCreator',
      facts: ['gcp.impersonation'],
    },
    {
      name: 'key admin at project level',
      role: 'roles/iam.serviceAccountKeyAdmin',
      facts: ['gcp.impersonation'],
    },
    {
      name: 'service account user at project level',
      role: 'roles/iam.serviceAccountUser',
      facts: ['gcp.impersonation'],
    },
    { name: 'workload identity user', role: 'roles/iam.workloadIdentityUser', facts: ['gcp.impersonation'] },
    { name: 'a viewer role', role: 'roles/viewer', facts: [] },
    { name: 'a storage role', role: 'roles/storage.objectAdmin', facts: [] },
    {
      name: 'a role whose name contains owner',
      role: 'roles/resourcemanager.projectOwnerInvitee',
      facts: [],
    },
  ])('reports $name as $facts', async ({ role, facts }) => {
    const read = setup({
      serviceAccounts: [account(robot)],
      keys: {},
      policies: { [`projects/${project}`]: { bindings: [binding(role)] } },
    });

    const output = await read();

    expect(output.nhis[0]?.facts.map((fact) => fact.kind)).toEqual(facts);
    expect(output.nhis[0]?.permissions).toEqual([{ resource: `projects/${project}`, role }]);
  });

  it.each([
    { name: 'a user', member: 'user:ana@example.com' },
    { name: 'a group', member: 'group:ops@example.com' },
    { name: 'a deleted service account', member: `deleted:serviceAccount:${robot}?uid=1048576` },
  ])('does not attribute roles bound to $name to the service account', async ({ member }) => {
    const read = setup({
      serviceAccounts: [account(robot)],
      keys: {},
      policies: { [`projects/${project}`]: { bindings: [binding('roles/owner', member)] } },
    });

    const output = await read();

    expect(output.nhis[0]?.facts).toEqual([]);
    expect(output.looseFacts).toEqual([]);
  });

  it('names the resource, the role and the IAM condition in the evidence', async () => {
    const condition = { title: 'business hours', expression: 'request.time.getHours("UTC") < 18' };
    const read = setup({
      serviceAccounts: [account(robot)],
      keys: {},
      policies: {
        'folders/778899': { bindings: [binding('roles/editor')] },
        'organizations/4455': { bindings: [{ ...binding('roles/owner'), condition }] },
      },
    });

    const [nhi] = (await read()).nhis;

    expect(nhi?.facts).toEqual([
      expect.objectContaining({
        kind: 'gcp.editor_role',
        evidence: { resource: 'folders/778899', role: 'roles/editor' },
      }),
      expect.objectContaining({
        kind: 'gcp.owner_role',
        evidence: expect.objectContaining({ resource: 'organizations/4455', role: 'roles/owner', condition }),
      }),
    ]);
  });

  it('marks the default compute service account holding editor', async () => {
    const read = setup({
      serviceAccounts: [account(compute, { displayName: 'Compute Engine default service account' })],
      keys: {},
      policies: {
        [`projects/${project}`]: { bindings: [binding('roles/editor', `serviceAccount:${compute}`)] },
      },
    });

    const [nhi] = (await read()).nhis;

    expect(nhi?.facts).toEqual([
      expect.objectContaining({
        kind: 'gcp.editor_role',
        evidence: expect.objectContaining({ defaultComputeServiceAccount: true }),
      }),
    ]);
  });

  it('reports roles of a service account of another project as facts about it', async () => {
    const other = 'deployer@tools-prj.iam.gserviceaccount.com';
    const read = setup({
      serviceAccounts: [account(robot)],
      keys: {},
      policies: {
        [`projects/${project}`]: { bindings: [binding('roles/owner', `serviceAccount:${other}`)] },
      },
    });

    const output = await read();

    expect(output.looseFacts).toEqual([
      expect.objectContaining({
        kind: 'gcp.owner_role',
        about: { provider: 'gcp', externalId: other },
        when: 'known',
      }),
    ]);
  });

  it('reads the service account itself', async () => {
    const read = setup({
      serviceAccounts: [account(robot, { disabled: true, description: 'runs the nightly export' })],
      keys: {},
      policies: {},
    });

    const [nhi] = (await read()).nhis;

    expect(nhi).toMatchObject({
      provider: 'gcp',
      kind: 'service_account',
      externalId: robot,
      name: robot,
      status: 'disabled',
      description: 'runs the nightly export',
      metadata: { gcp: { project, uniqueId: '104857600000000000001' } },
    });
  });

  it.each([
    {
      name: 'a never-expiring user-managed key has no expiry',
      keys: [key(keyId)],
      credentials: [
        {
          key: keyId,
          status: 'active',
          expiresAt: null,
          providerCreatedAt: new Date('2024-01-02T03:04:05Z'),
        },
      ],
    },
    {
      name: 'a key with an end date expires then',
      keys: [key(keyId, { validBeforeTime: '2026-01-02T03:04:05Z' })],
      credentials: [{ key: keyId, status: 'active', expiresAt: new Date('2026-01-02T03:04:05Z') }],
    },
    {
      name: 'a disabled key is inactive',
      keys: [key(keyId, { disabled: true })],
      credentials: [{ key: keyId, status: 'inactive' }],
    },
    {
      name: 'system-managed keys are skipped',
      keys: [key('f00d', { keyType: 'SYSTEM_MANAGED', validBeforeTime: '2024-01-20T00:00:00Z' })],
      credentials: [],
    },
  ])('$name', async ({ keys, credentials }) => {
    const read = setup({ serviceAccounts: [account(robot)], keys: { [robot]: keys }, policies: {} });

    const [nhi] = (await read()).nhis;

    expect(nhi?.credentials).toEqual(
      credentials.map((credential) => expect.objectContaining({ kind: 'private_key', ...credential })),
    );
  });

  const activity = (id: string, at: string) => ({
    fullResourceName: `//iam.googleapis.com/projects/${project}/serviceAccounts/${robot}/keys/${id}`,
    activityType: 'serviceAccountKeyLastAuthentication',
    activity: {
      lastAuthenticatedTime: at,
      serviceAccountKey: {
        fullResourceName: `//iam.googleapis.com/projects/${project}/serviceAccounts/${robot}/keys/${id}`,
      },
    },
  });

  it.each([
    {
      name: 'takes last use from Policy Analyzer activity',
      keyLastAuthentication: { [project]: [activity(keyId, '2025-06-01T07:00:00Z')] },
      lastUsedAt: new Date('2025-06-01T07:00:00Z'),
      neverUsed: false,
    },
    {
      name: 'raises never used for a key the queried activity does not name',
      keyLastAuthentication: { [project]: [activity('0ther', '2025-06-01T07:00:00Z')] },
      lastUsedAt: null,
      neverUsed: true,
    },
    {
      name: 'raises never used when the project was queried and had no activity',
      keyLastAuthentication: { [project]: [] },
      lastUsedAt: null,
      neverUsed: true,
    },
    {
      name: 'does not raise never used without activity data',
      keyLastAuthentication: undefined,
      lastUsedAt: null,
      neverUsed: false,
    },
    {
      name: 'does not raise never used when only another project was queried',
      keyLastAuthentication: { 'other-prj': [] },
      lastUsedAt: null,
      neverUsed: false,
    },
  ])('$name', async ({ keyLastAuthentication, lastUsedAt, neverUsed }) => {
    const read = setup({
      serviceAccounts: [account(robot)],
      keys: { [robot]: [key(keyId)] },
      policies: {},
      keyLastAuthentication,
    });

    const [nhi] = (await read()).nhis;

    expect(nhi?.credentials?.[0]?.lastUsedAt).toEqual(lastUsedAt);
    expect(nhi?.facts.filter((fact) => fact.kind === 'credential.never_used')).toEqual(
      neverUsed ? [expect.objectContaining({ credentialKey: keyId, subject: `${robot}|${keyId}` })] : [],
    );
  });

  it('does not raise never used for a disabled key', async () => {
    const read = setup({
      serviceAccounts: [account(robot)],
      keys: { [robot]: [key(keyId, { disabled: true })] },
      policies: {},
      keyLastAuthentication: { [project]: [] },
    });

    const [nhi] = (await read()).nhis;

    expect(nhi?.facts).toEqual([]);
  });

  it('reads a bare service-account list with a warning that keys and policies are missing', async () => {
    const read = setup([account(robot), account(compute)]);

    const output = await read();

    expect(output.nhis.map((nhi) => nhi.externalId)).toEqual([robot, compute]);
    expect(output.nhis[0]?.credentials).toBeUndefined();
    expect(output.nhis[0]?.permissions).toBeUndefined();
    expect(output.warnings).toEqual([
      { item: 'file', message: expect.stringContaining('only service accounts') },
    ]);
  });

  it('leaves the credentials of an account missing from the keys as they are', async () => {
    const read = setup({
      serviceAccounts: [account(robot), account(compute)],
      keys: { [robot]: [] },
      policies: {},
    });

    const output = await read();

    expect(output.nhis.map((nhi) => nhi.credentials)).toEqual([[], undefined]);
  });

  it('keeps the other service accounts when one has no email', async () => {
    const read = setup({
      serviceAccounts: [{ displayName: 'broken' }, account(robot)],
      keys: {},
      policies: {},
    });

    const output = await read();

    expect(output.nhis.map((nhi) => nhi.externalId)).toEqual([robot]);
    expect(output.warnings).toEqual([{ item: 'service account 1 (no email)', message: 'has no email' }]);
  });

  it('carries project labels where the ownership rules read them', async () => {
    const read = setup({
      serviceAccounts: [account(robot)],
      keys: {},
      policies: {},
      projects: [{ projectId: project, labels: { team: 'payments', env: 'prod' } }],
    });

    const [nhi] = (await read()).nhis;

    expect(nhi?.metadata).toMatchObject({
      authorization: { tags: { team: 'payments', env: 'prod' } },
      gcp: { projectLabels: { team: 'payments' } },
    });
  });

  it.each([
    { name: 'text that is not JSON', content: 'robot@x,owner', message: /not JSON/ },
    {
      name: 'JSON of another format',
      content: '{"UserDetailList":[]}',
      message: /Not a Google Cloud export/,
    },
    { name: 'an array of other objects', content: '[{"id":1}]', message: /service-accounts list/ },
    {
      name: 'keys given as a list',
      content: '{"serviceAccounts":[],"keys":[]}',
      message: /keys must be an object/,
    },
  ])('refuses $name with a clear error', async ({ content, message }) => {
    const context = {
      settings: {},
      secrets: {},
      fingerprint: async (secret: string) => secret,
      signal: new AbortController().signal,
      uploadName: 'gcp.json',
    };

    const reading = readGcpExport(Buffer.from(content), context);

    await expect(reading).rejects.toThrow(UnreadableInputError);
    await expect(reading).rejects.toThrow(message);
  });
});
