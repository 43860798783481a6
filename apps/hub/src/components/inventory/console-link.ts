/** Where a responder acts on an identity at its provider: the page the provider's console shows it on. */
export interface ConsoleLink {
  href: string;
  label: string;
}

interface ConsoleSubject {
  provider: string;
  kind: string;
  externalId: string;
}

const awsIam = 'https://console.aws.amazon.com/iam/home#';

/** An IAM role or user ARN: the console names it by its last path segment, without the path. */
function awsConsole(arn: string): ConsoleLink | null {
  const match = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!match) return null;
  const [, type, name] = match as unknown as [string, 'role' | 'user', string];
  const section = type === 'role' ? 'roles' : 'users';
  return { href: `${awsIam}/${section}/details/${encodeURIComponent(name)}`, label: 'Open in AWS IAM' };
}

/** The GitHub connector's ids: `github:<owner/repo>:deploy_key:<id>`, `github:<org>:installation:<id>`, `github:<org>:pat:<id>`. */
function githubConsole(externalId: string): ConsoleLink | null {
  const match = /^github:([^:]+):(deploy_key|installation|pat):([^:]+)$/.exec(externalId);
  if (!match) return null;
  const [, owner, type, id] = match as unknown as [string, string, string, string];
  const path = owner.split('/').map(encodeURIComponent).join('/');
  if (type === 'deploy_key')
    return owner.includes('/')
      ? { href: `https://github.com/${path}/settings/keys`, label: 'Open deploy keys on GitHub' }
      : null;
  if (type === 'installation')
    return {
      href: `https://github.com/organizations/${path}/settings/installations/${encodeURIComponent(id)}`,
      label: 'Open the app installation on GitHub',
    };
  return {
    href: `https://github.com/organizations/${path}/settings/personal-access-tokens/active`,
    label: 'Open access tokens on GitHub',
  };
}

/** A service account's email names its project: `<name>@<project>.iam.gserviceaccount.com`. */
function gcpConsole(externalId: string): ConsoleLink | null {
  const match = /^[^@\s]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(externalId);
  if (!match) return null;
  return {
    href: `https://console.cloud.google.com/iam-admin/serviceaccounts?project=${encodeURIComponent(match[1] as string)}`,
    label: 'Open service accounts in Google Cloud',
  };
}

/** The provider console page for the identity, or null where there is none (Kubernetes has no console). */
export function consoleLinkOf(nhi: ConsoleSubject): ConsoleLink | null {
  if (nhi.provider === 'aws') return awsConsole(nhi.externalId);
  if (nhi.provider === 'github') return githubConsole(nhi.externalId);
  if (nhi.provider === 'gcp') return gcpConsole(nhi.externalId);
  return null;
}
