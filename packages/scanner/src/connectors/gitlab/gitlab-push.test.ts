import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGitLab } from '../../testing/fake-gitlab-server.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { UnreadableInputError } from '../connector.ts';
import { readGitLabPush } from './gitlab.ts';
import { maxDiffBytes, maxPushCommits } from './gitlab-push.ts';

const token = 'glpat-fakeTokenForTheLocalServer0';
const gitlabToken = () => `glpat-${randomBytes(15).toString('base64url').slice(0, 20)}`;
const sha = (n: number) => createHash('sha1').update(String(n)).digest('hex');
const fingerprintOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A Push Hook payload as GitLab sends it (trimmed to the fields read). */
const pushHook = (commits: string[], fields: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      object_kind: 'push',
      event_name: 'push',
      before: sha(0),
      after: commits.at(-1),
      ref: 'refs/heads/main',
      project_id: 100,
      project: { id: 100, path_with_namespace: 'acme/api', web_url: 'https://gitlab.example.com/acme/api' },
      commits: commits.map((id) => ({
        id,
        message: 'change',
        added: [],
        modified: ['config.env'],
        removed: [],
      })),
      total_commits_count: commits.length,
      ...fields,
    }),
  );

async function setup(commits: Record<string, unknown[]>) {
  const gitlab = await startFakeGitLab({ token, projects: [{ id: 100, path: 'acme/api', commits }] });
  onTestFinished(() => gitlab.close());
  const context = {
    settings: { baseUrl: gitlab.baseUrl },
    secrets: { token },
    fingerprint: async (secret: string) => fingerprintOf(secret),
    signal: new AbortController().signal,
    uploadName: 'push.json',
  };
  return { gitlab, context };
}

describe('GitLab push', () => {
  it('finds a secret a pushed commit adds, at its line in the new file, and not one it removes', async () => {
    const added = gitlabToken();
    const removed = gitlabToken();
    const { context } = await setup({
      [sha(1)]: [
        {
          old_path: 'config.env',
          new_path: 'config.env',
          diff: `@@ -10,3 +10,3 @@\n NAME=api\n-TOKEN=${removed}\n+TOKEN=${added}\n REGION=eu\n`,
        },
        { old_path: 'README.md', new_path: 'README.md', diff: '@@ -1 +1 @@\n-old\n+new\n' },
      ],
    });

    const output = await readGitLabPush(pushHook([sha(1)]), context);

    expect(output.leaks).toEqual([
      expect.objectContaining({
        file: 'acme/api/config.env',
        line: 11,
        commit: sha(1),
        fingerprint: fingerprintOf(added),
      }),
    ]);
    expect(exposedRuns(output, added)).toEqual([]);
    expect(output.warnings).toEqual([]);
    expect(output.read).toEqual({ count: 1, unit: 'commits' });
  });

  it('reads a deleted file as nothing added', async () => {
    const { context } = await setup({
      [sha(1)]: [
        {
          old_path: 'a.env',
          new_path: 'a.env',
          deleted_file: true,
          diff: `@@ -1 +0,0 @@\n-T=${gitlabToken()}\n`,
        },
      ],
    });

    const output = await readGitLabPush(pushHook([sha(1)]), context);

    expect(output.leaks).toEqual([]);
  });

  it('scans at most the last commits of a huge push, and says so', async () => {
    const ids = Array.from({ length: maxPushCommits + 1 }, (_, n) => sha(n + 1));
    const { context, gitlab } = await setup(Object.fromEntries(ids.map((id) => [id, []])));

    const output = await readGitLabPush(pushHook(ids), context);

    expect(output.read?.count).toBe(maxPushCommits);
    expect(gitlab.requests.some((request) => request.includes(sha(1)))).toBe(false);
    expect(output.warnings).toEqual([
      {
        item: 'project acme/api',
        message: `the push holds ${ids.length} commits: only the last ${maxPushCommits} are scanned`,
      },
    ]);
  });

  it('stops reading a commit’s diff past its byte limit, and says so', async () => {
    const secret = gitlabToken();
    const { context } = await setup({
      [sha(1)]: [
        { new_path: 'a.env', diff: `@@ -0,0 +1 @@\n+T=${secret}\n` },
        { new_path: 'vendor.js', diff: `@@ -0,0 +1 @@\n+${'x'.repeat(maxDiffBytes)}\n` },
      ],
    });

    const output = await readGitLabPush(pushHook([sha(1)]), context);

    expect(output.leaks.map((leak) => leak.file)).toEqual(['acme/api/a.env']);
    expect(output.warnings).toEqual([
      {
        item: `commit ${sha(1)}`,
        message: `diff larger than ${maxDiffBytes} bytes: 1 of its 2 files not scanned`,
      },
    ]);
  });

  it('warns when the event lists fewer commits than the push holds', async () => {
    const { context } = await setup({ [sha(1)]: [] });

    const output = await readGitLabPush(pushHook([sha(1)], { total_commits_count: 40 }), context);

    expect(output.warnings).toEqual([
      {
        item: 'project acme/api',
        message: 'the push event lists 1 of its 40 commits: only those are scanned',
      },
    ]);
  });

  it('warns about a commit whose diff GitLab does not give, and scans the others', async () => {
    const secret = gitlabToken();
    const { context } = await setup({
      [sha(2)]: [{ new_path: 'a.env', diff: `@@ -0,0 +1 @@\n+T=${secret}\n` }],
    });

    const output = await readGitLabPush(pushHook([sha(1), sha(2)]), context);

    expect(output.leaks).toHaveLength(1);
    expect(output.warnings).toEqual([
      {
        item: `commit ${sha(1)}`,
        message: `diff not readable: GET /projects/100/repository/commits/${sha(1)}/diff: 404 404 Commit Not Found`,
      },
    ]);
  });

  it.each([
    ['not JSON', Buffer.from('object_kind=push')],
    ['a tag push', pushHook([sha(1)], { object_kind: 'tag_push' })],
    ['without commits', pushHook([sha(1)], { commits: undefined })],
    ['without a project', pushHook([sha(1)], { project: undefined, project_id: undefined })],
  ])('refuses an upload that is %s', async (_name, upload) => {
    const { context } = await setup({});

    await expect(readGitLabPush(upload, context)).rejects.toThrow(UnreadableInputError);
  });
});
