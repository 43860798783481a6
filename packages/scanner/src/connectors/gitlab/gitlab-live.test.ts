import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type FakeGitLabInstance, startFakeGitLab } from '../../testing/fake-gitlab-server.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { UnreadableInputError } from '../connector.ts';
import { readGitLabLive, testGitLabConnection } from './gitlab.ts';

const token = 'glpat-fakeTokenForTheLocalServer0';
const variableValues = ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8hT3vLm2', 'AKIAQ3EGUYT5NZ7XKJ4D'];

const accessToken = (id: number, user: number, scopes: string[], expires: string | null = '2999-01-01') => ({
  id,
  name: `bot ${id}`,
  scopes,
  active: true,
  revoked: false,
  created_at: '2024-01-01T00:00:00.000Z',
  expires_at: expires,
  last_used_at: '2024-05-01T00:00:00.000Z',
  user_id: user,
  access_level: 40,
});

/** A group `acme` with a subgroup and three projects, one of which refuses its variables. */
function instance(fields: Partial<FakeGitLabInstance> = {}): FakeGitLabInstance {
  return {
    token,
    users: [{ id: 7, username: 'ana', email: 'ana@example.com' }],
    personal_access_tokens: [
      { ...accessToken(1, 7, ['api'], null), access_level: undefined },
      accessToken(2, 90, ['read_api']),
    ],
    groups: [
      {
        id: 10,
        path: 'acme',
        access_tokens: [accessToken(3, 91, ['read_api'])],
        deploy_tokens: [],
        variables: [{ key: 'ARM_CLIENT_SECRET', value: 'Q7x~Lp2Vd9.Kw4Rz8Tn3Yb6Hm', environment_scope: '*' }],
        service_accounts: [{ id: 57, username: 'service_account_group_10_x', name: 'Release' }],
        service_account_tokens: { 57: [accessToken(4, 57, ['sudo'])] },
      },
      { id: 11, path: 'acme/platform', parent_id: 10, access_tokens: [], deploy_tokens: [], variables: [] },
    ],
    projects: [
      {
        id: 100,
        path: 'acme/api',
        access_tokens: [accessToken(2, 90, ['read_api'])],
        deploy_tokens: [
          { id: 5, name: 'pull', username: 'u', scopes: ['write_registry'], revoked: false, expired: false },
        ],
        deploy_keys: [{ id: 6, title: 'ci', can_push: true, created_at: '2024-01-01T00:00:00.000Z' }],
        variables: [
          { key: 'AWS_SECRET_ACCESS_KEY', value: variableValues[0], masked: true },
          { key: 'AWS_ACCESS_KEY_ID', value: variableValues[1] },
          { key: 'AWS_REGION', value: 'eu-west-1' },
        ],
      },
      {
        id: 101,
        path: 'acme/platform/infra',
        access_tokens: [],
        deploy_tokens: [],
        deploy_keys: [],
        variables: [{ key: 'GCP_SA_KEY', value: '{"private_key":"x"}' }],
        forbidden: ['variables'],
      },
      { id: 200, path: 'other/web', access_tokens: [], deploy_tokens: [], deploy_keys: [], variables: [] },
    ],
    ...fields,
  };
}

async function setup(fields: Partial<FakeGitLabInstance> = {}, settings: Record<string, string> = {}) {
  const gitlab = await startFakeGitLab(instance(fields));
  onTestFinished(() => gitlab.close());
  const context = (secrets: Record<string, string> = { token }) => ({
    settings: { baseUrl: gitlab.baseUrl, group: 'acme', ...settings },
    secrets,
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: null,
  });
  /** An external id of this instance: the fake server's address, port included. */
  const idOf = (local: string) => `gitlab:127.0.0.1:${gitlab.port}:${local}`;
  return { gitlab, context, idOf };
}

describe('GitLab live', () => {
  it('reads a group’s subgroups and projects, paging through every listing', async () => {
    const { context, idOf } = await setup();

    const output = await readGitLabLive(context());

    expect(
      output.nhis.map((nhi) => [nhi.externalId, nhi.kind, nhi.facts.map((fact) => fact.kind)]).sort(),
    ).toEqual([
      [idOf('bot:90'), 'api_key', []],
      [idOf('bot:91'), 'api_key', []],
      [idOf('deploy_key:acme/api:6'), 'deploy_key', ['gitlab.deploy_key_write']],
      [idOf('deploy_token:5'), 'deploy_key', ['gitlab.deploy_token_write']],
      [idOf('pat:1'), 'personal_access_token', ['gitlab.token_write_scope']],
      [idOf('service_account:57'), 'service_account', ['gitlab.admin_scope']],
      [idOf('variable:acme/ARM_CLIENT_SECRET'), 'api_key', ['gitlab.ci_cloud_key']],
      [idOf('variable:acme/api/AWS_ACCESS_KEY_ID'), 'api_key', ['gitlab.ci_cloud_key']],
      [idOf('variable:acme/api/AWS_SECRET_ACCESS_KEY'), 'api_key', ['gitlab.ci_cloud_key']],
    ]);
    expect(output.nhis.find((nhi) => nhi.externalId === idOf('pat:1'))).toMatchObject({
      name: 'ana: bot 1',
      metadata: { gitlab: { owner: 'ana@example.com' } },
      credentials: [{ expiresAt: null, status: 'active' }],
    });
  });

  it('warns about a project whose variables it may not read, and reads the rest', async () => {
    const { context } = await setup();

    const output = await readGitLabLive(context());

    expect(output.warnings).toEqual([
      {
        item: 'project acme/platform/infra',
        message: 'CI/CD variables not readable: GET /projects/101/variables: 403 403 Forbidden',
      },
    ]);
  });

  it('never lets a variable’s value into its output', async () => {
    const { context } = await setup();

    const output = await readGitLabLive(context());

    for (const value of [...variableValues, 'Q7x~Lp2Vd9.Kw4Rz8Tn3Yb6Hm'])
      expect(exposedRuns(output, value)).toEqual([]);
  });

  it('waits as GitLab asks when it limits the rate, then reads on', async () => {
    const { context, gitlab } = await setup({ rateLimitFirst: true });

    const output = await readGitLabLive(context());

    expect(output.nhis).toHaveLength(9);
    expect(gitlab.requests[0]).toBe(gitlab.requests[1]);
  });

  it('reads the projects a token maintains when the source names no group', async () => {
    const { context, gitlab, idOf } = await setup({}, { group: '' });

    const output = await readGitLabLive(context());

    expect(gitlab.requests).toContain(
      'GET /api/v4/projects?per_page=100&membership=true&min_access_level=40&archived=false&simple=true&pagination=keyset&order_by=id&sort=asc',
    );
    expect(output.nhis.map((nhi) => nhi.externalId)).toContain(
      idOf('variable:acme/api/AWS_SECRET_ACCESS_KEY'),
    );
  });

  it('fails the scan with GitLab’s reason when the token is refused', async () => {
    const { context } = await setup();

    await expect(readGitLabLive(context({ token: 'glpat-wrong' }))).rejects.toThrow(UnreadableInputError);
    await expect(readGitLabLive(context({}))).rejects.toThrow('no GitLab token');
  });

  it.each([
    ['a token that reads the group', token, 'acme', true],
    ['a refused token', 'glpat-wrong', 'acme', false],
    ['a group that does not exist', token, 'nobody', false],
  ])('tests the connection with %s', async (_name, secret, group, ok) => {
    const { gitlab } = await setup();

    const result = await testGitLabConnection(
      { baseUrl: gitlab.baseUrl, group },
      { token: secret },
      new AbortController().signal,
    );

    expect(result.ok).toBe(ok);
    expect(result.message).not.toContain(token);
  });
});
