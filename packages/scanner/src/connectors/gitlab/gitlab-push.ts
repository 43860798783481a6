import { type ConnectorOutput, emptyOutput, parseJsonInput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { scanText } from '../secrets/scan-text.ts';
import type { TextFile } from '../secrets/secret-hit.ts';
import { GitLabError, idOf } from './gitlab-client.ts';
import { gitlabClientOf } from './gitlab-live.ts';

/** A push of more commits than this is scanned in part (a branch imported at once), with a warning. */
export const maxPushCommits = 100;
/** The diff text read per commit: the rest of a huge commit (vendored files) is left, with a warning. */
export const maxDiffBytes = 1024 * 1024;

/** The fields of a GitLab Push Hook the scan reads. */
interface PushHook {
  object_kind?: string;
  before?: string;
  after?: string;
  project_id?: number;
  project?: { id?: number; path_with_namespace?: string };
  commits?: { id?: string }[];
  total_commits_count?: number;
}

/** GET /projects/:id/repository/commits/:sha/diff */
interface CommitDiff {
  diff?: string;
  new_path?: string;
  old_path?: string;
  deleted_file?: boolean;
  too_large?: boolean;
  collapsed?: boolean;
}

function parsePush(upload: Buffer | null): PushHook & { commits: { id: string }[] } {
  if (!upload) throw new UnreadableInputError('This input needs the push event (a GitLab Push Hook payload)');
  const parsed = parseJsonInput(upload.toString('utf8'), 'The push event');
  const hook = parsed as PushHook;
  if (
    !hook ||
    typeof hook !== 'object' ||
    !Array.isArray(hook.commits) ||
    (hook.object_kind !== undefined && hook.object_kind !== 'push') ||
    (typeof hook.project?.path_with_namespace !== 'string' && typeof hook.project_id !== 'number')
  )
    throw new UnreadableInputError(
      'Not a GitLab push event: expected object_kind "push", a project and its commits (Push Hook payload)',
    );
  const ids = hook.commits
    .map((commit) => commit?.id)
    .filter((id): id is string => typeof id === 'string' && /^[0-9a-f]{7,64}$/i.test(id));
  return { ...hook, commits: [...new Set(ids)].map((id) => ({ id })) };
}

/** The lines a diff adds, with their line numbers in the new file: removed lines are not scanned. */
export function addedLines(diff: string): { lines: string[]; numbers: number[] } {
  const lines: string[] = [];
  const numbers: number[] = [];
  let next = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('@@')) next = Number(/\+(\d+)/.exec(line)?.[1] ?? 0);
    else if (line.startsWith('+++') || line.startsWith('---')) continue;
    else if (line.startsWith('+')) {
      lines.push(line.slice(1));
      numbers.push(next);
      next += 1;
    } else if (line.startsWith(' ')) next += 1;
  }
  return { lines, numbers };
}

/**
 * The secrets a push added: each pushed commit's diff is read with the source's token (never from an
 * address in the payload) and its added lines are scanned by the secret detectors.
 */
export async function readGitLabPushEvent(
  upload: Buffer | null,
  context: ConnectorContext,
): Promise<ConnectorOutput> {
  const hook = parsePush(upload);
  const client = gitlabClientOf(context.settings, context.secrets, context.signal);
  const output = emptyOutput();
  const project = hook.project?.path_with_namespace ?? String(hook.project_id);
  const projectId = hook.project?.id ?? hook.project_id ?? project;
  let commits: { id: string }[] = hook.commits;
  if (commits.length > maxPushCommits) {
    output.warnings.push({
      item: `project ${project}`,
      message: `the push holds ${commits.length} commits: only the last ${maxPushCommits} are scanned`,
    });
    commits = commits.slice(-maxPushCommits);
  }
  if (typeof hook.total_commits_count === 'number' && hook.total_commits_count > hook.commits.length)
    output.warnings.push({
      item: `project ${project}`,
      message: `the push event lists ${hook.commits.length} of its ${hook.total_commits_count} commits: only those are scanned`,
    });
  output.read = { count: 0, unit: 'commits' };
  for (const { id } of commits) {
    if (context.signal.aborted) break;
    let diffs: CommitDiff[];
    try {
      diffs = await client.all<CommitDiff>(`/projects/${idOf(projectId)}/repository/commits/${id}/diff`);
    } catch (error) {
      if (error instanceof GitLabError && error.status === 401)
        throw new UnreadableInputError(`GitLab refused the token: ${error.message}`);
      if (!(error instanceof GitLabError)) throw error;
      output.warnings.push({ item: `commit ${id}`, message: `diff not readable: ${error.message}` });
      continue;
    }
    output.read.count += 1;
    let bytes = 0;
    for (const [index, diff] of diffs.entries()) {
      const path = diff.new_path ?? diff.old_path ?? 'unknown';
      if (diff.deleted_file) continue;
      if (diff.too_large || (diff.collapsed && !diff.diff)) {
        output.warnings.push({
          item: `commit ${id} ${path}`,
          message: 'GitLab did not return this diff (too large)',
        });
        continue;
      }
      const text = diff.diff ?? '';
      bytes += Buffer.byteLength(text);
      if (bytes > maxDiffBytes) {
        output.warnings.push({
          item: `commit ${id}`,
          message: `diff larger than ${maxDiffBytes} bytes: ${diffs.length - index} of its ${diffs.length} files not scanned`,
        });
        break;
      }
      const { lines, numbers } = addedLines(text);
      if (lines.length === 0) continue;
      const file: TextFile = {
        path: `${project}/${path}`,
        content: lines.join('\n'),
        commit: id,
        lineOf: (line) => numbers[line - 1] ?? line,
      };
      try {
        output.leaks.push(...(await scanText(file, context.fingerprint)));
      } catch (error) {
        output.warnings.push({
          item: `commit ${id} ${path}`,
          message: `not scanned: ${(error as Error).message}`,
        });
      }
    }
  }
  return output;
}
