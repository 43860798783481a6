import { describe, expect, it } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { UnreadableInputError } from '../connector.ts';
import { readGitLabExportText } from './gitlab-export.ts';

type Entry = Record<string, unknown>;

const future = '2999-01-01';
const past = '2001-01-01';

/** A personal access token as GET /personal_access_tokens answers it. */
const pat = (id: number, fields: Entry = {}): Entry => ({
  id,
  name: `token ${id}`,
  revoked: false,
  created_at: '2024-01-01T00:00:00.000Z',
  description: '',
  scopes: ['read_api'],
  user_id: 7,
  last_used_at: '2024-06-01T00:00:00.000Z',
  active: true,
  expires_at: future,
  ...fields,
});

function setup(document: Entry) {
  const output = readGitLabExportText(JSON.stringify(document));
  const identity = (externalId: string) => output.nhis.find((nhi) => nhi.externalId === externalId);
  const kindsOf = (externalId: string) =>
    identity(externalId)
      ?.facts.map((fact) => fact.kind)
      .sort();
  return { output, identity, kindsOf };
}

describe('GitLab export', () => {
  const tokenCases: [string, Entry, string[]][] = [
    ['the api scope', { scopes: ['api'] }, ['gitlab.token_write_scope']],
    ['write_repository', { scopes: ['read_api', 'write_repository'] }, ['gitlab.token_write_scope']],
    ['write_registry', { scopes: ['write_registry'] }, ['gitlab.token_write_scope']],
    ['write_package_registry', { scopes: ['write_package_registry'] }, ['gitlab.token_write_scope']],
    ['create_runner', { scopes: ['create_runner'] }, ['gitlab.token_write_scope']],
    ['manage_runner', { scopes: ['manage_runner'] }, ['gitlab.token_write_scope']],
    ['k8s_proxy', { scopes: ['k8s_proxy'] }, ['gitlab.token_write_scope']],
    ['sudo', { scopes: ['sudo', 'read_user'] }, ['gitlab.admin_scope']],
    [
      'admin_mode with api',
      { scopes: ['api', 'admin_mode'] },
      ['gitlab.admin_scope', 'gitlab.token_write_scope'],
    ],
    ['read scopes only', { scopes: ['read_api', 'read_repository', 'read_registry', 'read_user'] }, []],
    ['no scope', { scopes: [] }, []],
    ['the api scope on a revoked token', { scopes: ['api'], revoked: true, active: false }, []],
    ['sudo on an expired token', { scopes: ['sudo'], expires_at: past, active: false }, []],
    [
      'the api scope, never used',
      { scopes: ['api'], last_used_at: null },
      ['credential.never_used', 'gitlab.token_write_scope'],
    ],
    ['read scopes, never used', { last_used_at: null }, ['credential.never_used']],
  ];

  it.each(tokenCases)('reports a personal access token with %s', (_name, fields, expected) => {
    const { kindsOf } = setup({ personal_access_tokens: [pat(1, fields)] });

    expect(kindsOf('gitlab:gitlab.com:pat:1')).toEqual(expected);
  });

  it('reads a token without expiry as a credential that never expires', () => {
    const { identity } = setup({ personal_access_tokens: [pat(1, { expires_at: null })] });

    expect(identity('gitlab:gitlab.com:pat:1')).toMatchObject({
      kind: 'personal_access_token',
      status: 'active',
      credentials: [{ key: 'token_1', kind: 'token', status: 'active', expiresAt: null }],
    });
  });

  it.each([
    ['revoked', { revoked: true, active: false }],
    ['expired', { expires_at: past, active: false }],
    ['inactive', { active: false }],
    ['past its expiry date', { expires_at: past }],
  ])('reads a %s token as inactive, and its identity as disabled', (_name, fields) => {
    const { identity } = setup({ personal_access_tokens: [pat(1, fields)] });

    expect(identity('gitlab:gitlab.com:pat:1')).toMatchObject({
      status: 'disabled',
      credentials: [{ status: 'inactive' }],
    });
  });

  it('names a personal access token by its user, whose email is the owner hint', () => {
    const { identity } = setup({
      users: [{ id: 7, username: 'ana', email: 'ana@example.com' }],
      personal_access_tokens: [pat(1, { name: 'release' })],
    });

    expect(identity('gitlab:gitlab.com:pat:1')).toMatchObject({
      name: 'ana: release',
      metadata: {
        gitlab: { username: 'ana', email: 'ana@example.com', owner: 'ana@example.com' },
        authorization: { tags: { owner: 'ana@example.com' } },
      },
    });
  });

  it.each<[string, Record<string, unknown>, string, Record<string, string> | undefined]>([
    [
      'a token of a user with an email',
      { users: [{ id: 7, username: 'ana', email: 'ana@example.com' }], personal_access_tokens: [pat(1)] },
      'gitlab:gitlab.com:pat:1',
      { owner: 'ana@example.com' },
    ],
    [
      'a token of a user without an email',
      { users: [{ id: 7, username: 'ana' }], personal_access_tokens: [pat(1)] },
      'gitlab:gitlab.com:pat:1',
      undefined,
    ],
    [
      'a deploy key of a project in a subgroup',
      { projects: { 'acme/payments/api': { deploy_keys: [{ id: 3, can_push: false }] } } },
      'gitlab:gitlab.com:deploy_key:acme/payments/api:3',
      { team: '@acme/payments' },
    ],
    [
      'a deploy token of a group',
      { groups: { 'acme/payments': { deploy_tokens: [{ id: 4, scopes: [] }] } } },
      'gitlab:gitlab.com:deploy_token:4',
      { team: '@acme/payments' },
    ],
    [
      'a cloud key of a project',
      { projects: { 'acme/web': { variables: [{ key: 'GCP_SA_KEY', value: 'v' }] } } },
      'gitlab:gitlab.com:variable:acme/web/GCP_SA_KEY',
      { team: '@acme' },
    ],
  ])(
    'gives the owner hint of %s where every provider’s tags are read',
    (_name, document, externalId, tags) => {
      const { identity } = setup(document);

      expect(identity(externalId)?.metadata?.authorization).toEqual(tags ? { tags } : undefined);
    },
  );

  it('reads a project’s access tokens as its bot user, with each of its tokens as a credential', () => {
    const bot = (id: number, fields: Entry) =>
      pat(id, { user_id: 90, access_level: 40, name: 'ci', ...fields });
    const { output, identity } = setup({
      // The instance listing holds the bot's tokens too: they are read once, as the bot's.
      personal_access_tokens: [pat(1), bot(2, { revoked: true, active: false }), bot(3, { scopes: ['api'] })],
      projects: {
        'acme/api': {
          access_tokens: [bot(2, { revoked: true, active: false }), bot(3, { scopes: ['api'] })],
        },
      },
    });

    expect(output.nhis.map((nhi) => nhi.externalId).sort()).toEqual([
      'gitlab:gitlab.com:bot:90',
      'gitlab:gitlab.com:pat:1',
    ]);
    expect(identity('gitlab:gitlab.com:bot:90')).toMatchObject({
      kind: 'api_key',
      name: 'acme/api: ci',
      status: 'active',
      metadata: {
        gitlab: { project: 'acme/api', accessLevel: 'maintainer', owner: 'acme/api' },
        authorization: { tags: { team: '@acme' } },
      },
      credentials: [
        { key: 'token_2', status: 'inactive' },
        { key: 'token_3', status: 'active' },
      ],
      facts: [
        {
          kind: 'gitlab.token_write_scope',
          credentialKey: 'token_3',
          evidence: { project: 'acme/api', scopes: ['api'] },
        },
      ],
    });
  });

  it('reads a group access token with the group as its owner hint', () => {
    const { identity } = setup({
      groups: { acme: { access_tokens: [pat(5, { user_id: 91, access_level: 50, scopes: ['sudo'] })] } },
    });

    expect(identity('gitlab:gitlab.com:bot:91')).toMatchObject({
      metadata: {
        gitlab: { group: 'acme', accessLevel: 'owner', owner: 'acme' },
        authorization: { tags: { team: '@acme' } },
      },
      facts: [{ kind: 'gitlab.admin_scope', evidence: { group: 'acme', scopes: ['sudo'] } }],
    });
  });

  it.each<[string, Entry, string[]]>([
    ['can push', { can_push: true }, ['gitlab.deploy_key_write']],
    ['is read-only', { can_push: false }, []],
    ['can push but has expired', { can_push: true, expires_at: '2001-01-01T00:00:00.000Z' }, []],
  ])('reports a deploy key that %s', (_name, fields, expected) => {
    const { kindsOf, identity } = setup({
      projects: {
        'acme/api': {
          deploy_keys: [
            { id: 3, title: 'ci', created_at: '2024-01-01T00:00:00.000Z', expires_at: null, ...fields },
          ],
        },
      },
    });

    expect(kindsOf('gitlab:gitlab.com:deploy_key:acme/api:3')).toEqual(expected);
    expect(identity('gitlab:gitlab.com:deploy_key:acme/api:3')).toMatchObject({
      kind: 'deploy_key',
      name: 'acme/api: ci',
    });
  });

  it.each<[string, Entry, string[]]>([
    ['write_registry', { scopes: ['read_registry', 'write_registry'] }, ['gitlab.deploy_token_write']],
    ['write_repository', { scopes: ['write_repository'] }, ['gitlab.deploy_token_write']],
    ['write_package_registry', { scopes: ['write_package_registry'] }, ['gitlab.deploy_token_write']],
    ['read scopes', { scopes: ['read_repository', 'read_registry', 'read_package_registry'] }, []],
    ['write_repository, revoked', { scopes: ['write_repository'], revoked: true }, []],
    ['write_registry, expired', { scopes: ['write_registry'], expired: true }, []],
  ])('reports a deploy token with %s', (_name, fields, expected) => {
    const { kindsOf } = setup({
      groups: {
        acme: {
          deploy_tokens: [
            {
              id: 4,
              name: 'registry',
              username: 'gitlab+deploy-token-4',
              expires_at: null,
              revoked: false,
              expired: false,
              ...fields,
            },
          ],
        },
      },
    });

    expect(kindsOf('gitlab:gitlab.com:deploy_token:4')).toEqual(expected);
  });

  it.each<[string, boolean]>([
    ['AWS_SECRET_ACCESS_KEY', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['PROD_AWS_SECRET_ACCESS_KEY', true],
    ['GOOGLE_APPLICATION_CREDENTIALS', true],
    ['GCP_SA_KEY', true],
    ['GOOGLE_CREDENTIALS', true],
    ['AZURE_CLIENT_SECRET', true],
    ['ARM_CLIENT_SECRET', true],
    ['AWS_REGION', false],
    ['AWS_ROLE_ARN', false],
    ['AWS_DEFAULT_REGION', false],
    ['GOOGLE_PROJECT', false],
    ['AZURE_CLIENT_ID', false],
    ['DATABASE_PASSWORD', false],
    ['AWS_SECRET_ACCESS_KEY_ROTATION_DAYS', false],
    ['AZURE_CREDENTIALS', true],
  ])('reports the CI/CD variable %s as a cloud key: %s', (key, fires) => {
    const { output, identity } = setup({
      projects: {
        'acme/api': { variables: [{ key, value: 'x', variable_type: 'env_var', environment_scope: '*' }] },
      },
    });

    const externalId = `gitlab:gitlab.com:variable:acme/api/${key}`;
    if (fires)
      expect(identity(externalId)).toMatchObject({
        kind: 'api_key',
        name: `${key} in acme/api`,
        metadata: { gitlab: { project: 'acme/api', owner: 'acme/api' } },
        facts: [{ kind: 'gitlab.ci_cloud_key', evidence: { project: 'acme/api', variable: key } }],
      });
    else expect(output.nhis).toEqual([]);
  });

  it('reads a cloud key set per environment as one identity naming the environments', () => {
    const { output } = setup({
      groups: {
        acme: {
          variables: [
            { key: 'AWS_SECRET_ACCESS_KEY', value: 'a', environment_scope: 'production' },
            { key: 'AWS_SECRET_ACCESS_KEY', value: 'b', environment_scope: 'staging' },
          ],
        },
      },
    });

    expect(output.nhis).toMatchObject([
      {
        externalId: 'gitlab:gitlab.com:variable:acme/AWS_SECRET_ACCESS_KEY',
        facts: [{ evidence: { group: 'acme', environments: ['production', 'staging'] } }],
      },
    ]);
  });

  it('never lets a variable’s value into its output', () => {
    const values = [
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8hT3vLm2',
      'AKIAQ3EGUYT5NZ7XKJ4D',
      'S3cr3t-DatabasePass-91x',
    ];
    const { output } = setup({
      projects: {
        'acme/api': {
          variables: [
            { key: 'AWS_SECRET_ACCESS_KEY', value: values[0], masked: true },
            { key: 'AWS_ACCESS_KEY_ID', value: values[1] },
            { key: 'DB_PASSWORD', value: values[2] },
          ],
        },
      },
    });

    expect(output.nhis).toHaveLength(2);
    for (const value of values) expect(exposedRuns(output, value)).toEqual([]);
  });

  it('reads a service account with its tokens as credentials', () => {
    const { output, identity } = setup({
      personal_access_tokens: [pat(8, { user_id: 57, scopes: ['api'] })],
      groups: {
        acme: {
          service_accounts: [{ id: 57, username: 'service_account_group_1_abc', name: 'Release bot' }],
          service_account_tokens: { 57: [pat(9, { user_id: 57, expires_at: null })] },
        },
      },
    });

    expect(output.nhis.map((nhi) => nhi.externalId)).toEqual(['gitlab:gitlab.com:service_account:57']);
    expect(identity('gitlab:gitlab.com:service_account:57')).toMatchObject({
      kind: 'service_account',
      name: 'service_account_group_1_abc',
      metadata: { gitlab: { group: 'acme', owner: 'acme' } },
      credentials: [
        { key: 'token_9', expiresAt: null },
        { key: 'token_8', status: 'active' },
      ],
      facts: [{ kind: 'gitlab.token_write_scope', credentialKey: 'token_8' }],
    });
  });

  it.each([
    ['not JSON', 'personal_access_tokens: []'],
    ['a list', '[]'],
    ['an object of no GitLab answer', '{"installations": []}'],
    ['projects that are a list', '{"projects": []}'],
  ])('refuses a file that is %s', (_name, text) => {
    expect(() => readGitLabExportText(text)).toThrow(UnreadableInputError);
  });

  it.each([
    ['no URL', {}, 'gitlab.com'],
    ['gitlab.com', { baseUrl: 'https://gitlab.com' }, 'gitlab.com'],
    [
      'an upper-case host with the API path',
      { baseUrl: 'https://GitLab.Example.COM/api/v4/' },
      'gitlab.example.com',
    ],
    ['the scheme’s default port', { baseUrl: 'https://gitlab.example.com:443' }, 'gitlab.example.com'],
    ['another port', { baseUrl: 'https://gitlab.example.com:8443' }, 'gitlab.example.com:8443'],
    ['http on its default port', { baseUrl: 'http://git.internal:80/gitlab' }, 'git.internal'],
  ])('names the instance of a source with %s in every external id', (_name, settings, host) => {
    const output = readGitLabExportText(
      JSON.stringify({
        personal_access_tokens: [pat(1)],
        projects: { 'acme/api': { deploy_tokens: [{ id: 4, name: 'pull', scopes: [] }] } },
      }),
      settings,
    );

    expect(output.nhis.map((nhi) => nhi.externalId).sort()).toEqual([
      `gitlab:${host}:deploy_token:4`,
      `gitlab:${host}:pat:1`,
    ]);
  });

  it('reads a file whose base_url is the source’s instance', () => {
    const text = JSON.stringify({ base_url: 'https://gitlab.example.com', personal_access_tokens: [pat(1)] });

    const output = readGitLabExportText(text, { baseUrl: 'https://gitlab.example.com/api/v4' });

    expect(output.nhis.map((nhi) => nhi.externalId)).toEqual(['gitlab:gitlab.example.com:pat:1']);
  });

  it.each([
    [
      'of another instance',
      { base_url: 'https://gitlab.other.com' },
      { baseUrl: 'https://gitlab.example.com' },
    ],
    [
      'of a self-managed instance, for a source of gitlab.com',
      { base_url: 'https://gitlab.example.com' },
      {},
    ],
    ['with a base_url that is no URL', { base_url: 'gitlab.example.com' }, {}],
    ['for a source whose URL is no URL', {}, { baseUrl: 'gitlab.example.com' }],
  ])('refuses a file %s', (_name, fields, settings) => {
    const text = JSON.stringify({ ...fields, personal_access_tokens: [pat(1)] });

    expect(() => readGitLabExportText(text, settings)).toThrow(UnreadableInputError);
  });

  it('warns about a bad entry and reads the rest', () => {
    const { output } = setup({
      personal_access_tokens: [pat(1), { name: 'no id' }, pat(2, { expires_at: 'someday' }), 'text'],
      projects: { 'acme/api': { variables: [{ value: 'no key' }, { key: 'GCP_SA_KEY', value: 'v' }] } },
    });

    expect(output.nhis.map((nhi) => nhi.externalId)).toEqual([
      'gitlab:gitlab.com:pat:1',
      'gitlab:gitlab.com:variable:acme/api/GCP_SA_KEY',
    ]);
    expect(output.warnings).toEqual([
      { item: 'instance personal access token 2 (no id)', message: 'has no id or name' },
      { item: 'instance personal access token 3 (token 2)', message: 'has an unreadable date: someday' },
      { item: 'instance personal access token 4', message: 'is not an object' },
      { item: 'project acme/api variable 1', message: 'has no key' },
    ]);
  });
});
