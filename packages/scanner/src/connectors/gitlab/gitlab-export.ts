import { type ConnectorOutput, parseJsonInput, UnreadableInputError } from '../connector.ts';
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

export function readGitLabExportText(text: string): ConnectorOutput {
  return readGitLabData(parseGitLabExport(text));
}
