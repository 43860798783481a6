import { ConflictError, ValidationError } from '@nhi/platform';
import type { Octokit } from '@octokit/rest';
import {
  type ActionChoice,
  day,
  type OfferingSource,
  type ProviderAccess,
  ProviderRefusal,
  type RemediationActionModule,
  type RemediationSubject,
} from './remediation-action.ts';

/** `github:{owner}/{repo}:deploy_key:{id}`, as the GitHub connector names a deploy key. */
function deployKeyOf(subject: RemediationSubject) {
  if (subject.nhi.provider !== 'github' || subject.nhi.kind !== 'deploy_key') return null;
  const match = /^github:([^/:]+)\/([^/:]+):deploy_key:(\d+)$/.exec(subject.nhi.externalId);
  return match ? { owner: match[1] as string, repo: match[2] as string, keyId: Number(match[3]) } : null;
}

/** The GitHub client, loaded by the first action that reaches GitHub rather than with the hub (ADR 0056). */
async function octokitOf(access: ProviderAccess): Promise<Octokit> {
  const token = access.secrets.token;
  if (!token) throw new ValidationError('The source has no GitHub token (secrets.token) to act with');
  const { Octokit } = await import('@octokit/rest');
  return new Octokit({
    auth: token,
    baseUrl: typeof access.settings.baseUrl === 'string' ? access.settings.baseUrl : undefined,
    request: { signal: access.signal, retries: 0 },
    // A refusal is kept with the action; the console is not where it is read.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

interface GitHubMetadata {
  github?: { readOnly?: boolean; addedBy?: string | null };
}

export const deleteDeployKey: RemediationActionModule = {
  key: 'github.deploy_key.delete',
  label: 'Delete deploy key',
  sourceType: 'github',
  credentialStatus: 'revoked',
  rescanInput: 'github.live',
  offers: (subject) => {
    const key = deployKeyOf(subject);
    const credential = subject.credentials.find((c) => c.status !== 'revoked');
    if (!key || !credential) return [];
    return [
      {
        action: 'github.deploy_key.delete',
        label: 'Delete deploy key',
        credentialId: credential.id,
        targetLabel: `deploy key ${key.keyId} of ${key.owner}/${key.repo}`,
        available: true,
        reason: null,
      },
    ];
  },
  plan: async (subject) => {
    const key = deployKeyOf(subject);
    if (!key) throw new ValidationError('The identity is not a deploy key of a repository');
    const github = (subject.nhi.metadata as GitHubMetadata | null)?.github;
    const repository = `${key.owner}/${key.repo}`;
    return {
      target: { owner: key.owner, repo: key.repo, keyId: key.keyId },
      summary: `Deploy key ${key.keyId} (${subject.nhi.name}) is removed from ${repository}`,
      lastUse: { at: subject.nhi.lastUsedAt?.toISOString() ?? null, service: 'GitHub', region: null },
      otherCredentials: [],
      risks: [
        `Deployments and jobs that ${github?.readOnly === false ? 'clone or push' : 'clone'} ${repository} with this key fail${
          subject.nhi.lastUsedAt ? ` (last used ${day(subject.nhi.lastUsedAt)})` : ''
        }`,
        'A deleted deploy key cannot be restored: a new key pair has to be added',
      ],
    };
  },
  run: async (target, access) => {
    try {
      const response = await (await octokitOf(access)).rest.repos.deleteDeployKey({
        owner: String(target.owner),
        repo: String(target.repo),
        key_id: Number(target.keyId),
      });
      return {
        requestId: response.headers['x-github-request-id'] ?? null,
        httpStatus: response.status,
        result: `deploy key ${target.keyId} removed from ${target.owner}/${target.repo}`,
      };
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      const failure = error as { status?: number; message?: string };
      throw new ProviderRefusal(`GitHub answered ${failure.status ?? 'an error'}: ${failure.message ?? ''}`);
    }
  },
};

/** `github:{org}:installation:{id}`, as the GitHub connector names an app installation. */
function installationOf(subject: RemediationSubject) {
  if (subject.nhi.provider !== 'github') return null;
  const match = /^github:([^/:]+):installation:(\d+)$/.exec(subject.nhi.externalId);
  if (!match) return null;
  const github = (subject.nhi.metadata as InstallationMetadata | null)?.github;
  return {
    org: match[1] as string,
    id: Number(match[2]),
    selection: github?.repositorySelection ?? null,
  };
}

interface InstallationMetadata {
  github?: { repositorySelection?: string | null };
}

/** Why the installation's repositories cannot be changed from here, or null when they can be. */
function unavailableReason(
  installation: { org: string; selection: string | null },
  app: string,
  source: OfferingSource,
) {
  if (installation.selection === 'all')
    return `${app} is installed on all repositories of ${installation.org}: GitHub removes a repository only from an installation on selected repositories. An organisation owner switches it to selected repositories in the organisation's settings (GitHub Apps → ${app} → Configure).`;
  if (installation.selection !== 'selected')
    return 'The inventory does not say whether the app is installed on selected repositories: a live scan of the source tells';
  if (!source.secretNames.includes('token'))
    return 'The source holds no GitHub token: removing a repository needs a user’s classic token (repo scope) with admin rights on the repository';
  return null;
}

/** `acme/api` or `api` (of the installation's organisation), as the requester names it. */
function repositoryWanted(choice: ActionChoice, org: string) {
  const wanted = choice.repository?.trim();
  if (!wanted) throw new ValidationError('Name the repository to remove from the installation (repository)');
  return (wanted.includes('/') ? wanted : `${org}/${wanted}`).toLowerCase();
}

/** GitHub's status and message (`403: Resource not accessible by integration`), with what to do about it. */
function refusalOf(error: unknown, hints: Partial<Record<number, string>> = {}): Error {
  if (error instanceof ValidationError || error instanceof ConflictError) return error;
  const failure = error as { status?: number; message?: string };
  const hint = failure.status ? hints[failure.status] : undefined;
  return new ProviderRefusal(
    `GitHub answered ${failure.status ?? 'an error'}: ${failure.message ?? ''}${hint ? ` (${hint})` : ''}`,
  );
}

const userTokenHint =
  'the source’s token is not a user’s: GitHub lets only a user’s classic token (repo scope) with admin rights on the repository change an installation’s repositories';

/**
 * Removing one repository from a GitHub App installation on selected repositories, as GitHub allows
 * it: with a user's token (DELETE /user/installations/{id}/repositories/{repository_id}) whose user
 * has admin rights on the repository. The dry run checks with GitHub that the token's user reaches the
 * installation and the repository, with admin rights; otherwise it says why and nothing runs.
 */
export const removeInstallationRepository: RemediationActionModule = {
  key: 'github.installation.repository_remove',
  label: 'Remove a repository from the app installation',
  sourceType: 'github',
  credentialStatus: null,
  rescanInput: 'github.live',
  takesRepository: true,
  offers: (subject, source) => {
    const installation = installationOf(subject);
    if (!installation) return [];
    const reason = unavailableReason(installation, subject.nhi.name, source);
    return [
      {
        action: 'github.installation.repository_remove',
        label: 'Remove a repository from the app installation',
        credentialId: null,
        targetLabel: `a repository of ${subject.nhi.name} (installation ${installation.id})`,
        available: reason === null,
        reason,
      },
    ];
  },
  plan: async (subject, _credential, access, choice) => {
    const installation = installationOf(subject);
    if (!installation) throw new ValidationError('The identity is not a GitHub App installation');
    const wanted = repositoryWanted(choice, installation.org);
    const github = await octokitOf(access);
    const app = subject.nhi.name;
    try {
      const reachable = await github.paginate(github.rest.apps.listInstallationsForAuthenticatedUser, {
        per_page: 100,
      });
      const found = reachable.find((candidate) => candidate.id === installation.id);
      if (!found)
        throw new ConflictError(
          `The source token’s user cannot reach installation ${installation.id} of ${app}: GitHub lists it only to users with access to one of its repositories`,
        );
      if (found.repository_selection !== 'selected')
        throw new ConflictError(
          `${app} is installed on all repositories of ${installation.org} at GitHub now: an organisation owner switches it to selected repositories first`,
        );
      const repositories = await github.paginate(github.rest.apps.listInstallationReposForAuthenticatedUser, {
        installation_id: installation.id,
        per_page: 100,
      });
      const repository = repositories.find((candidate) => candidate.full_name.toLowerCase() === wanted);
      if (!repository)
        throw new ConflictError(
          `${wanted} is not among the repositories of ${app}'s installation that the source token’s user can see`,
        );
      if (repository.permissions?.admin !== true)
        throw new ConflictError(
          `The source token’s user has no admin rights on ${repository.full_name}: GitHub lets only a repository admin remove it from an installation`,
        );
      const others = repositories.filter((candidate) => candidate !== repository);
      return {
        target: {
          installationId: installation.id,
          repositoryId: repository.id,
          repository: repository.full_name,
        },
        summary: `${app} loses access to ${repository.full_name}: the repository is removed from installation ${installation.id}`,
        lastUse: { at: subject.nhi.lastUsedAt?.toISOString() ?? null, service: 'GitHub', region: null },
        otherCredentials: [],
        risks: [
          `Workflows and integrations that use ${app} on ${repository.full_name} fail: checks, deployments and bots of the app stop there`,
          others.length > 0
            ? `${app} keeps ${others.map((other) => other.full_name).join(', ')}`
            : `GitHub refuses (422) to remove the last repository the installation has in ${installation.org}: uninstall ${app} instead`,
          `An organisation owner or a repository admin can add ${repository.full_name} back to the installation`,
        ],
      };
    } catch (error) {
      throw refusalOf(error, { 403: userTokenHint, 401: 'the source’s token is no longer valid' });
    }
  },
  run: async (target, access) => {
    try {
      const response = await (
        await octokitOf(access)
      ).rest.apps.removeRepoFromInstallationForAuthenticatedUser({
        installation_id: Number(target.installationId),
        repository_id: Number(target.repositoryId),
      });
      return {
        requestId: response.headers['x-github-request-id'] ?? null,
        httpStatus: response.status,
        result: `${target.repository} removed from installation ${target.installationId}`,
      };
    } catch (error) {
      throw refusalOf(error, {
        403: userTokenHint,
        404: 'the installation or the repository is out of the token user’s reach, or already removed',
        422: 'the installation is on all repositories, or this is its last repository',
      });
    }
  },
};
