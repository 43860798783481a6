import { Octokit } from '@octokit/rest';
import type { ConnectorOutput, ScanWarning } from '../connector.ts';
import { UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { type GitHubExport, readGitHubData } from './github-export.ts';

/**
 * Reads an organisation live with the source's token: app installations, each repository's deploy
 * keys, and fine-grained tokens (that list needs a GitHub App token; refused, it becomes a warning);
 * the names of the organisation's and each repository's Actions secrets (GitHub never returns values;
 * a token without the secrets permission is answered 403, a warning).
 */
export async function readGitHubLive(context: ConnectorContext): Promise<ConnectorOutput> {
  const token = context.secrets.token;
  const org = context.settings.organization;
  if (!token) throw new UnreadableInputError('The source has no GitHub token (secrets.token)');
  if (typeof org !== 'string' || !org)
    throw new UnreadableInputError('The source names no organisation (settings.organization)');
  const octokit = new Octokit({
    auth: token,
    baseUrl: typeof context.settings.baseUrl === 'string' ? context.settings.baseUrl : undefined,
    request: { signal: context.signal },
  });
  const warnings: ScanWarning[] = [];
  const data: GitHubExport & {
    deploy_keys: Record<string, unknown[]>;
    actions_secrets: { repositories: Record<string, unknown[]> };
  } = {
    organization: org,
    deploy_keys: {},
    actions_secrets: { repositories: {} },
  };
  data.installations = (await octokit.paginate(octokit.rest.orgs.listAppInstallations, {
    org,
    per_page: 100,
  })) as never;
  const repositories = await octokit.paginate(octokit.rest.repos.listForOrg, { org, per_page: 100 });
  for (const repository of repositories) {
    try {
      data.deploy_keys[repository.full_name] = await octokit.paginate(octokit.rest.repos.listDeployKeys, {
        owner: repository.owner.login,
        repo: repository.name,
        per_page: 100,
      });
    } catch (error) {
      warnings.push({
        item: `repository ${repository.full_name}`,
        message: `deploy keys not readable: ${(error as Error).message}`,
      });
    }
    try {
      data.actions_secrets.repositories[repository.full_name] = await octokit.paginate(
        octokit.rest.actions.listRepoSecrets,
        { owner: repository.owner.login, repo: repository.name, per_page: 100 },
      );
    } catch (error) {
      warnings.push({
        item: `repository ${repository.full_name}`,
        message: `Actions secrets not readable: ${(error as Error).message}`,
      });
    }
  }
  try {
    data.actions_secrets.org = (await octokit.paginate(octokit.rest.actions.listOrgSecrets, {
      org,
      per_page: 100,
    })) as never;
  } catch (error) {
    warnings.push({
      item: `organisation ${org}`,
      message: `Actions secrets not readable: ${(error as Error).message}`,
    });
  }
  try {
    data.personal_access_tokens = (await octokit.paginate(octokit.rest.orgs.listPatGrants, {
      org,
      per_page: 100,
    })) as never;
  } catch (error) {
    warnings.push({
      item: `organisation ${org}`,
      message: `fine-grained tokens not readable: ${(error as Error).message}`,
    });
  }
  const output = readGitHubData(data as GitHubExport);
  output.warnings.unshift(...warnings);
  return output;
}
