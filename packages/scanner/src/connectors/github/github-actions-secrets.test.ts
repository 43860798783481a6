import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGitHub } from '../../testing/fake-github-server.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { ciCloudKeyNames, cloudKeyOf } from '../ci-cloud-keys.ts';
import { readGitHubExport } from './github-export.ts';
import { readGitHubLive } from './github-live.ts';

const token = 'ghs_Zq8Kf3LmW1pXv7Rt2NbY9cHdJ4sE6uGa0oIk';
const secret = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  created_at: '2024-03-01T10:00:00Z',
  updated_at: '2025-01-15T08:30:00Z',
  ...extra,
});
const cloudKeyIdentities = (output: { nhis: { externalId: string; facts: { kind: string }[] }[] }) =>
  output.nhis
    .filter((nhi) => nhi.facts.some((fact) => fact.kind === 'github.actions_cloud_key'))
    .map((nhi) => nhi.externalId)
    .sort();

describe('names of long-lived cloud keys', () => {
  // Expected answers written from each cloud's documented CI variables before the check ran.
  it.each<[string, string | null]>([
    ['AWS_SECRET_ACCESS_KEY', 'aws'],
    ['AWS_ACCESS_KEY_ID', 'aws'],
    ['PROD_AWS_SECRET_ACCESS_KEY', 'aws'],
    ['aws_secret_access_key', 'aws'],
    ['GOOGLE_CREDENTIALS', 'gcp'],
    ['GCP_SA_KEY', 'gcp'],
    ['GOOGLE_APPLICATION_CREDENTIALS', 'gcp'],
    ['AZURE_CLIENT_SECRET', 'azure'],
    ['ARM_CLIENT_SECRET', 'azure'],
    ['AZURE_CREDENTIALS', 'azure'],
    ['AWS_REGION', null],
    ['AWS_ROLE_ARN', null],
    ['AWS_ROLE_TO_ASSUME', null],
    ['AZURE_CLIENT_ID', null],
    ['AZURE_TENANT_ID', null],
    ['GOOGLE_PROJECT', null],
    ['NPM_TOKEN', null],
    ['MY_AWS_SECRET_ACCESS_KEY_BACKUP', null],
  ])('%s is a key of %s', (name, cloud) => {
    expect(cloudKeyOf(name)).toBe(cloud);
  });

  it('lists each cloud’s key names once, in upper case', () => {
    for (const name of Object.keys(ciCloudKeyNames)) expect(name).toBe(name.toUpperCase());
    expect(new Set(Object.values(ciCloudKeyNames))).toEqual(new Set(['aws', 'gcp', 'azure']));
  });
});

describe('Actions secrets in a GitHub export', () => {
  const setup = () =>
    JSON.stringify({
      organization: 'acme',
      actions_secrets: {
        org: {
          total_count: 3,
          secrets: [
            secret('AWS_SECRET_ACCESS_KEY', { visibility: 'all' }),
            secret('NPM_TOKEN', { visibility: 'private' }),
            secret('AWS_REGION', { visibility: 'all' }),
          ],
        },
        repositories: {
          'acme/api': [secret('GCP_SA_KEY'), secret('AWS_ROLE_ARN')],
          'acme/web': ['AZURE_CREDENTIALS'],
        },
      },
    });

  it('makes an identity of each secret named as a cloud key, and of no other', () => {
    const output = readGitHubExport(setup());

    expect(cloudKeyIdentities(output)).toEqual([
      'github:actions-secret:acme/AWS_SECRET_ACCESS_KEY',
      'github:actions-secret:acme/api/GCP_SA_KEY',
      'github:actions-secret:acme/web/AZURE_CREDENTIALS',
    ]);
    expect(output.nhis).toHaveLength(3);
    expect(output.read?.count).toBe(6);
    expect(output.warnings).toEqual([]);
  });

  it('names the secret, where it is kept and when it was last replaced', () => {
    const output = readGitHubExport(setup());
    const gcp = output.nhis.find((nhi) => nhi.externalId === 'github:actions-secret:acme/api/GCP_SA_KEY');

    expect(gcp).toMatchObject({
      provider: 'github',
      kind: 'api_key',
      name: 'GCP_SA_KEY in acme/api',
      providerCreatedAt: new Date('2024-03-01T10:00:00Z'),
      metadata: { github: { organization: 'acme', repository: 'acme/api' } },
      credentials: [
        {
          key: 'actions_secret',
          status: 'active',
          lastRotatedAt: new Date('2025-01-15T08:30:00Z'),
        },
      ],
      facts: [
        {
          kind: 'github.actions_cloud_key',
          subject: 'github:actions-secret:acme/api/GCP_SA_KEY',
          credentialKey: 'actions_secret',
          evidence: { secret: 'GCP_SA_KEY', cloud: 'gcp', scope: 'repository', repository: 'acme/api' },
        },
      ],
    });
  });

  it('reports a secret without a name as a warning and reads the others', () => {
    const output = readGitHubExport(
      JSON.stringify({
        actions_secrets: { repositories: { 'acme/api': [{}, secret('ARM_CLIENT_SECRET')] } },
      }),
    );

    expect(cloudKeyIdentities(output)).toEqual(['github:actions-secret:acme/api/ARM_CLIENT_SECRET']);
    expect(output.warnings).toEqual([{ item: 'Actions secret 1 of acme/api', message: 'has no name' }]);
  });
});

describe('Actions secrets read live', () => {
  async function setup(forbidden: string[] = []) {
    const github = await startFakeGitHub({
      token,
      org: 'acme',
      installations: [],
      repositories: { api: [], web: [] },
      tokens: [],
      actionsSecrets: {
        org: [
          secret('AWS_ACCESS_KEY_ID', { visibility: 'selected' }),
          secret('AWS_REGION', { visibility: 'all' }),
        ],
        repositories: {
          api: [
            secret('DOCKERHUB_TOKEN'),
            secret('STAGING_AWS_SECRET_ACCESS_KEY'),
            secret('GOOGLE_CREDENTIALS'),
          ],
          web: [secret('AWS_ROLE_ARN')],
        },
        forbidden,
      },
    });
    onTestFinished(() => github.close());
    const context = {
      settings: { organization: 'acme', baseUrl: github.baseUrl },
      secrets: { token },
      fingerprint: async (value: string) => createHash('sha256').update(value).digest('hex'),
      signal: new AbortController().signal,
      uploadName: null,
    };
    return { github, context };
  }

  it('pages through the organisation’s and each repository’s secrets', async () => {
    const { github, context } = await setup();

    const output = await readGitHubLive(context);

    expect(cloudKeyIdentities(output)).toEqual([
      'github:actions-secret:acme/AWS_ACCESS_KEY_ID',
      'github:actions-secret:acme/api/GOOGLE_CREDENTIALS',
      'github:actions-secret:acme/api/STAGING_AWS_SECRET_ACCESS_KEY',
    ]);
    expect(
      github.requests.filter((request) => request.startsWith('GET /repos/acme/api/actions/secrets')),
    ).toHaveLength(3);
    expect(output.warnings).toEqual([]);
    expect(exposedRuns(output, token)).toEqual([]);
  });

  it('reports secrets it may not list as a warning and keeps the rest', async () => {
    const { context } = await setup(['org', 'web']);

    const output = await readGitHubLive(context);

    expect(cloudKeyIdentities(output)).toEqual([
      'github:actions-secret:acme/api/GOOGLE_CREDENTIALS',
      'github:actions-secret:acme/api/STAGING_AWS_SECRET_ACCESS_KEY',
    ]);
    expect(output.warnings).toEqual([
      { item: 'repository acme/web', message: expect.stringContaining('Actions secrets not readable') },
      { item: 'organisation acme', message: expect.stringContaining('Actions secrets not readable') },
    ]);
  });
});
