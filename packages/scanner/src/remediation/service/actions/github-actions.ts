import { ValidationError } from '@nhi/platform';
import { Octokit } from '@octokit/rest';
import {
  day,
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

function octokitOf(access: ProviderAccess): Octokit {
  const token = access.secrets.token;
  if (!token) throw new ValidationError('The source has no GitHub token (secrets.token) to act with');
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
      const response = await octokitOf(access).rest.repos.deleteDeployKey({
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

/**
 * Listed so the page says why it is not there: GitHub removes a repository from an installation only
 * with a user's own token (DELETE /user/installations/{id}/repositories/{repo_id}, admin on the
 * repository) and only from installations on selected repositories; a source reads with an
 * organisation's token.
 */
export const removeInstallationRepository: RemediationActionModule = {
  key: 'github.installation.repository_remove',
  label: 'Remove a repository from the app installation',
  sourceType: 'github',
  credentialStatus: null,
  rescanInput: 'github.live',
  offers: (subject) =>
    subject.nhi.provider === 'github' && subject.nhi.externalId.includes(':installation:')
      ? [
          {
            action: 'github.installation.repository_remove',
            label: 'Remove a repository from the app installation',
            credentialId: null,
            targetLabel: subject.nhi.name,
            available: false,
            reason:
              'GitHub lets only a user’s own token with admin rights on the repository remove it from an installation, and only when the app is installed on selected repositories; the source reads with an organisation token. An organisation owner changes the installation’s repositories in GitHub’s settings.',
          },
        ]
      : [],
  plan: async () => {
    throw new ValidationError('GitHub does not let the source’s token change an installation’s repositories');
  },
  run: async () => {
    throw new ValidationError('GitHub does not let the source’s token change an installation’s repositories');
  },
};
