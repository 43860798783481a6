import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGitHub } from '../../testing/fake-github-server.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { UnreadableInputError } from '../connector.ts';
import { fakeSecrets } from '../secrets/testdata/fake-secrets.ts';
import { addedLinesOf, maxPushCommits, readGitHubPush } from './github-push.ts';

const token = 'ghs_fakeTokenForTheLocalServer000000000';
const fake = fakeSecrets(49);
const added = `ghp_${fake.alnum(36)}`;
const removed = `ghp_${fake.alnum(36)}`;
const kept = `ghp_${fake.alnum(36)}`;

const pushOf = (commits: string[], repository = 'acme/api') =>
  Buffer.from(
    JSON.stringify({
      ref: 'refs/heads/main',
      repository: { full_name: repository },
      commits: commits.map((id) => ({ id })),
    }),
  );

async function setup(commits: Record<string, unknown[]> = {}) {
  const github = await startFakeGitHub({ token, org: 'acme', installations: [], repositories: {}, commits });
  onTestFinished(() => github.close());
  const context = {
    settings: { organization: 'acme', baseUrl: github.baseUrl },
    secrets: { token },
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: 'push.json',
  };
  return { github, context };
}

describe('addedLinesOf', () => {
  it('keeps only added lines, numbered as in the new file', () => {
    const patch = [
      '@@ -3,3 +3,4 @@ header',
      ' context',
      '-old',
      '+first',
      ' more',
      '+second',
      '\\ No newline at end of file',
      '@@ -20 +21,2 @@',
      '+third',
    ].join('\n');

    const file = addedLinesOf('a.env', patch, 'abc1234');

    expect(file?.content).toBe('first\nsecond\nthird');
    expect([1, 2, 3].map((line) => file?.lineOf?.(line))).toEqual([4, 6, 21]);
  });

  it('gives nothing for a patch that only removes', () => {
    expect(addedLinesOf('a.env', '@@ -1,2 +1 @@\n-gone\n kept', 'abc1234')).toBeNull();
  });
});

describe('readGitHubPush against a local GitHub', () => {
  it('finds a secret a pushed commit adds, with file, new-file line and commit', async () => {
    const sha = 'a'.repeat(40);
    const { context } = await setup({
      [`api@${sha}`]: [
        {
          filename: 'deploy/.env',
          status: 'modified',
          patch: `@@ -10,2 +10,3 @@\n NAME=api\n-GITHUB_TOKEN=${removed}\n+GITHUB_TOKEN=${added}\n REGION=eu\n+DEBUG=false`,
        },
      ],
    });

    const output = await readGitHubPush(pushOf([sha]), context);

    expect(output.leaks).toEqual([
      expect.objectContaining({ file: 'deploy/.env', line: 11, commit: sha, secretType: 'github_token' }),
    ]);
    expect(output.read).toEqual({ count: 1, unit: 'commits' });
  });

  it('reports no leak for a secret a commit only removes or leaves as context', async () => {
    const sha = 'b'.repeat(40);
    const { context } = await setup({
      [`api@${sha}`]: [
        {
          filename: 'ci.yml',
          status: 'modified',
          patch: `@@ -1,2 +1,1 @@\n-token: ${removed}\n token2: ${kept}`,
        },
        { filename: 'old.env', status: 'removed', patch: `@@ -1 +0,0 @@\n-TOKEN=${removed}` },
      ],
    });

    const output = await readGitHubPush(pushOf([sha]), context);

    expect(output.leaks).toEqual([]);
  });

  it('keeps the secrets it finds out of its output', async () => {
    const sha = 'c'.repeat(40);
    const { context } = await setup({
      [`api@${sha}`]: [
        { filename: 'app.js', status: 'added', patch: `@@ -0,0 +1 @@\n+const t = '${added}';` },
      ],
    });

    const output = await readGitHubPush(pushOf([sha]), context);

    expect(output.leaks).toHaveLength(1);
    expect(exposedRuns(output, added)).toEqual([]);
  });

  it('reads at most the first commits of a large push, and warns of the rest', async () => {
    const shas = Array.from({ length: maxPushCommits + 2 }, (_, i) => i.toString(16).padStart(40, '0'));
    const { github, context } = await setup();

    const output = await readGitHubPush(pushOf(shas), context);

    expect(github.requests.filter((r) => r.includes('/commits/'))).toHaveLength(maxPushCommits);
    expect(output.warnings[0]?.message).toMatch(/102 commits; the first 100 were scanned/);
  });

  it('warns of a commit it cannot read and still reads the others', async () => {
    const good = 'd'.repeat(40);
    const { context } = await setup({
      [`api@${good}`]: [{ filename: 'x.env', status: 'added', patch: `@@ -0,0 +1 @@\n+T=${added}` }],
    });

    const output = await readGitHubPush(pushOf(['e'.repeat(40), good]), context);

    expect(output.leaks).toHaveLength(1);
    expect(output.warnings).toEqual([expect.objectContaining({ item: `acme/api@${'e'.repeat(40)}` })]);
  });

  it.each([
    ['not JSON', Buffer.from('nope')],
    ['no repository', Buffer.from(JSON.stringify({ commits: [] }))],
    ['no commits', Buffer.from(JSON.stringify({ repository: { full_name: 'acme/api' } }))],
  ])('refuses an upload with %s', async (_case, upload) => {
    const { context } = await setup();

    await expect(readGitHubPush(upload, context)).rejects.toBeInstanceOf(UnreadableInputError);
  });
});
