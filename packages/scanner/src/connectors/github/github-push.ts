import { Octokit } from '@octokit/rest';
import { type ConnectorOutput, emptyOutput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { scanText } from '../secrets/scan-text.ts';
import type { TextFile } from '../secrets/secret-hit.ts';

/** A push names at most this many commits here; a larger push is read in part, with a warning. */
export const maxPushCommits = 100;

interface PushPayload {
  repository: string;
  commits: string[];
}

function pushOf(upload: Buffer | null): PushPayload {
  if (!upload) throw new UnreadableInputError('This input reads a GitHub push event (its JSON payload)');
  let value: unknown;
  try {
    value = JSON.parse(upload.toString('utf8'));
  } catch {
    throw new UnreadableInputError('The upload is not JSON: a GitHub push event payload is expected');
  }
  const payload = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const repository = (payload.repository ?? {}) as Record<string, unknown>;
  const fullName = repository.full_name;
  if (typeof fullName !== 'string' || !/^[^/\s]+\/[^/\s]+$/.test(fullName) || !Array.isArray(payload.commits))
    throw new UnreadableInputError('The upload is not a GitHub push event (repository.full_name, commits)');
  const commits = payload.commits
    .map((commit) => (commit && typeof commit === 'object' ? (commit as Record<string, unknown>).id : null))
    .filter((id): id is string => typeof id === 'string' && /^[0-9a-f]{7,64}$/i.test(id));
  return { repository: fullName, commits };
}

/**
 * The lines a unified diff adds, as one fragment that keeps each line's number in the new file
 * (from the hunk headers): a removed line is not a new leak, and context lines are old.
 */
export function addedLinesOf(path: string, patch: string, commit: string): TextFile | null {
  const lines: string[] = [];
  const numbers: number[] = [];
  let next = 0;
  let inHunk = false;
  for (const line of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      next = Number(hunk[1]);
      inHunk = true;
    } else if (inHunk && !line.startsWith('\\')) {
      if (line.startsWith('+')) {
        lines.push(line.slice(1));
        numbers.push(next);
        next += 1;
      } else if (!line.startsWith('-')) next += 1;
    }
  }
  if (lines.length === 0) return null;
  return { path, content: lines.join('\n'), commit, lineOf: (line) => numbers[line - 1] ?? line };
}

/**
 * The secrets a push added: each commit it names is read with the source's token
 * (`GET /repos/{owner}/{repo}/commits/{sha}`) and only its added lines are scanned, by the same
 * detectors as file scans. The scan is partial: a push speaks for its own commits only.
 */
export async function readGitHubPush(
  upload: Buffer | null,
  context: ConnectorContext,
): Promise<ConnectorOutput> {
  const push = pushOf(upload);
  const token = context.secrets.token;
  if (!token) throw new UnreadableInputError('The source has no GitHub token (secrets.token)');
  const octokit = new Octokit({
    auth: token,
    baseUrl: typeof context.settings.baseUrl === 'string' ? context.settings.baseUrl : undefined,
    request: { signal: context.signal },
  });
  const [owner = '', repo = ''] = push.repository.split('/');
  const output = emptyOutput();
  const commits = push.commits.slice(0, maxPushCommits);
  if (push.commits.length > maxPushCommits)
    output.warnings.push({
      item: push.repository,
      message: `the push names ${push.commits.length} commits; the first ${maxPushCommits} were scanned`,
    });
  output.read = { count: 0, unit: 'commits' };
  for (const sha of commits) {
    if (context.signal.aborted) break;
    let files: { filename: string; patch?: string; status?: string }[];
    try {
      const { data } = await octokit.rest.repos.getCommit({ owner, repo, ref: sha, per_page: 300 });
      files = data.files ?? [];
    } catch (error) {
      output.warnings.push({
        item: `${push.repository}@${sha}`,
        message: `commit not readable: ${(error as Error).message}`,
      });
      continue;
    }
    output.read.count += 1;
    for (const file of files) {
      if (file.status === 'removed') continue;
      if (file.patch === undefined) {
        // GitHub leaves out the patch of binary files and of very large diffs.
        if (file.status !== 'renamed')
          output.warnings.push({ item: `${file.filename}@${sha}`, message: 'no patch given: not scanned' });
        continue;
      }
      const fragment = addedLinesOf(file.filename, file.patch, sha);
      if (!fragment) continue;
      try {
        output.leaks.push(...(await scanText(fragment, context.fingerprint)));
      } catch (error) {
        output.warnings.push({
          item: `${file.filename}@${sha}`,
          message: `not scanned: ${(error as Error).message}`,
        });
      }
    }
  }
  return output;
}
