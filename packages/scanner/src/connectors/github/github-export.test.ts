import { describe, expect, it } from 'vitest';
import { UnreadableInputError } from '../connector.ts';
import { readGitHubExport } from './github-export.ts';

const kindsOf = (nhi: { facts: { kind: string }[] } | undefined) => nhi?.facts.map((f) => f.kind).sort();

/** Shapes as the REST API answers them (trimmed to the fields read). */
const installations = {
  total_count: 2,
  installations: [
    {
      id: 25381,
      app_id: 1,
      app_slug: 'ci-bot',
      account: { login: 'acme' },
      repository_selection: 'all',
      permissions: { contents: 'write', metadata: 'read', administration: 'admin' },
      created_at: '2023-01-10T10:00:00Z',
      suspended_at: null,
    },
    {
      id: 25382,
      app_slug: 'old-app',
      repository_selection: 'selected',
      permissions: { issues: 'read' },
      suspended_at: '2024-02-01T00:00:00Z',
    },
  ],
};
const deployKeys = [
  {
    id: 1,
    key: 'ssh-rsa AAAA',
    url: 'https://api.github.com/repos/acme/api/keys/1',
    title: 'deploy',
    read_only: false,
    created_at: '2022-05-01T00:00:00Z',
    last_used: null,
  },
  {
    id: 2,
    key: 'ssh-ed25519 AAAA',
    url: 'https://api.github.com/repos/acme/web/keys/2',
    title: 'read',
    read_only: true,
    created_at: '2022-05-01T00:00:00Z',
    last_used: '2024-05-01T00:00:00Z',
  },
];
const tokens = [
  {
    id: 25381,
    owner: { login: 'octocat' },
    repository_selection: 'subset',
    permissions: { organization: { members: 'read' }, repository: { contents: 'write' } },
    access_granted_at: '2023-05-22T12:34:56Z',
    token_id: 98716,
    token_name: 'release script',
    token_expired: false,
    token_expires_at: null,
    token_last_used_at: '2024-05-20T11:00:00Z',
  },
];

describe('GitHub export', () => {
  it('reads app installations with their permissions and flags', () => {
    const output = readGitHubExport(JSON.stringify({ organization: 'acme', installations }));

    expect(output.nhis.map((n) => [n.name, n.kind, n.status])).toEqual([
      ['ci-bot', 'oauth_app', 'active'],
      ['old-app', 'oauth_app', 'disabled'],
    ]);
    expect(kindsOf(output.nhis[0])).toEqual(['github.app_admin_permission', 'github.app_write_all']);
    expect(kindsOf(output.nhis[1])).toEqual(['github.app_suspended']);
  });

  it('reads deploy keys from a flat list, finding the repository in their url', () => {
    const output = readGitHubExport(JSON.stringify(deployKeys));

    expect(output.nhis.map((n) => n.name)).toEqual(['acme/api: deploy', 'acme/web: read']);
    expect(kindsOf(output.nhis[0])).toEqual(['credential.never_used', 'github.deploy_key_write']);
    expect(kindsOf(output.nhis[1])).toEqual([]);
    expect(output.nhis[1]?.lastUsedAt).toEqual(new Date('2024-05-01T00:00:00Z'));
  });

  it('reads fine-grained tokens: no expiry, write permission, last use', () => {
    const output = readGitHubExport(JSON.stringify({ organization: 'acme', personal_access_tokens: tokens }));

    expect(output.nhis[0]).toMatchObject({ name: 'octocat: release script', kind: 'personal_access_token' });
    expect(kindsOf(output.nhis[0])).toEqual(['github.pat_no_expiry', 'github.pat_write_permission']);
    expect(output.nhis[0]?.credentials).toEqual([
      expect.objectContaining({
        key: 'token_98716',
        expiresAt: null,
        lastUsedAt: new Date('2024-05-20T11:00:00Z'),
      }),
    ]);
  });

  it('reports malformed entries and refuses JSON that is no GitHub export', () => {
    const output = readGitHubExport(
      JSON.stringify({ installations: [{ app_slug: 'no-id' }, ...installations.installations] }),
    );

    expect(output.warnings).toEqual([{ item: 'installation 1 (no-id)', message: 'has no id or app_slug' }]);
    expect(output.nhis).toHaveLength(2);
    expect(() => readGitHubExport('{"users": []}')).toThrow(UnreadableInputError);
  });
});
