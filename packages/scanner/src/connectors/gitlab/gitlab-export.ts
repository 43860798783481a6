import { type ConnectorOutput, parseJsonInput, UnreadableInputError } from '../connector.ts';
import { instanceHostOf } from './gitlab-client.ts';
import { readGitLabData } from './gitlab-identities.ts';
import { type GitLabExport, type GitLabVariableName, variableName } from './gitlab-model.ts';

const sections = ['personal_access_tokens', 'service_accounts', 'projects', 'groups'] as const;

/** Each scope's variables by name only: a value in the file is dropped before anything reads it. */
function withoutVariableValues(scopes: unknown): unknown {
  if (!scopes || typeof scopes !== 'object' || Array.isArray(scopes)) return scopes;
  return Object.fromEntries(
    Object.entries(scopes as Record<string, unknown>).map(([path, scope]) => {
      if (!scope || typeof scope !== 'object' || !('variables' in scope)) return [path, scope];
      const variables = (scope as { variables?: unknown }).variables;
      return [
        path,
        {
          ...scope,
          variables: Array.isArray(variables)
            ? variables.map((variable) => variableName(variable) ?? ({} as GitLabVariableName))
            : variables,
        },
      ];
    }),
  );
}

/** The export document (docs/sources/gitlab.md): REST answers of an instance, a group and its projects. */
export function parseGitLabExport(text: string): GitLabExport {
  const parsed = parseJsonInput(text, 'The GitLab export');
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !sections.some((key) => key in parsed)
  )
    throw new UnreadableInputError(
      'Not a GitLab export: expected an object with personal_access_tokens, service_accounts, projects or groups',
    );
  const document = parsed as Record<string, unknown>;
  for (const key of ['projects', 'groups'] as const)
    if (document[key] !== undefined && (typeof document[key] !== 'object' || Array.isArray(document[key])))
      throw new UnreadableInputError(`The GitLab export's ${key} must map full paths to their answers`);
  return {
    ...(document as GitLabExport),
    projects: withoutVariableValues(document.projects) as GitLabExport['projects'],
    groups: withoutVariableValues(document.groups) as GitLabExport['groups'],
  };
}

/** The instance a URL names, or a refusal naming where the URL came from. */
function instanceOrRefuse(url: unknown): string {
  try {
    return instanceHostOf(url);
  } catch (error) {
    throw new UnreadableInputError((error as Error).message);
  }
}

/**
 * The instance whose ids the file's identities take: the source's (gitlab.com when it has no URL),
 * as a live scan of the source would. A file whose base_url names another instance is refused rather
 * than filed under the source's: its token ids would then name other tokens of the source's instance.
 */
function instanceOfFile(document: GitLabExport, settings: Record<string, unknown>): string {
  const instance = instanceOrRefuse(settings.baseUrl);
  const named = document.base_url;
  if (named === undefined || named === null || named === '') return instance;
  if (typeof named !== 'string') throw new UnreadableInputError("The GitLab export's base_url must be a URL");
  const fileInstance = instanceOrRefuse(named);
  if (fileInstance !== instance)
    throw new UnreadableInputError(
      `The GitLab export is of ${fileInstance} but the source reads ${instance}: set the source's GitLab URL (baseUrl) to the instance the file comes from, or import it into that instance's source`,
    );
  return instance;
}

export function readGitLabExportText(text: string, settings: Record<string, unknown> = {}): ConnectorOutput {
  const document = parseGitLabExport(text);
  return readGitLabData(document, instanceOfFile(document, settings));
}
