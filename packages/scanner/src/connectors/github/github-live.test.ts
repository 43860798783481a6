import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGitHub } from '../../testing/fake-github-server.ts';
import { readGitHubLive } from './github-live.ts';

const token = 'ghs_fakeTokenForTheLocalServer000000000';

async function setup(tokens?: unknown[]) {
  const github = await startFakeGitHub({
    token,
    org: 'acme',
    installations: [
      { id: 1, app_slug: 'ci-bot', repository_selection: 'all', permissions: { contents: 'write' } },
      { id: 2, app_slug: 'reader', repository_selection: 'selected', permissions: { metadata: 'read' } },
    ],
    repositories: {
      api: [
        {
          id: 11,
          title: 'deploy',
          url: 'x',
          read_only: false,
          created_at: '2024-01-01T00:00:00Z',
          last_used: null,
        },
      ],
      web: [],
    },
    tokens,
  });
  onTestFinished(() => github.close());
  const context = (secrets: Record<string, string>) => ({
    settings: { organization: 'acme', baseUrl: github.baseUrl },
    secrets,
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: null,
  });
  return { github, context };
}

describe('GitHub live collection against a local REST endpoint', () => {
  it('pages through installations, repositories and their deploy keys', async () => {
    const { github, context } = await setup([
      {
        id: 5,
        owner: { login: 'octocat' },
        token_id: 9,
        token_name: 'release',
        token_expires_at: null,
        permissions: {},
      },
    ]);

    const output = await readGitHubLive(context({ token }));

    expect(output.nhis.map((nhi) => nhi.name)).toEqual([
      'ci-bot',
      'reader',
      'acme/api: deploy',
      'octocat: release',
    ]);
    expect(output.nhis[0]?.facts.map((f) => f.kind)).toEqual(['github.app_write_all']);
    expect(output.warnings).toEqual([]);
    expect(github.requests.filter((r) => r.includes('/installations'))).toHaveLength(2);
  });

  it('reports fine-grained tokens it may not list as a warning and keeps the rest', async () => {
    const { context } = await setup(undefined);

    const output = await readGitHubLive(context({ token }));

    expect(output.nhis).toHaveLength(3);
    expect(output.warnings).toEqual([
      {
        item: 'organisation acme',
        message: expect.stringContaining('Resource not accessible by personal access token'),
      },
    ]);
  });

  it('fails with GitHub’s answer when the token is refused', async () => {
    const { context } = await setup([]);

    await expect(readGitHubLive(context({ token: 'wrong' }))).rejects.toThrow(/Bad credentials/);
  });
});
