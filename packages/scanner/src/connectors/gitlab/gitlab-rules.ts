/**
 * What makes a GitLab credential worth a finding. Scopes are GitLab's token scopes
 * (docs: user/profile/personal_access_tokens#personal-access-token-scopes).
 */

/**
 * Scopes that change something: `api` is full read-write API access; the write_* scopes push code,
 * images, packages or virtual registry content; create_runner and manage_runner register and control
 * runners, which run jobs with their secrets; k8s_proxy reaches clusters through the agent with the
 * user's access. Read scopes (read_api, read_repository, read_registry, read_user, ...) are left out.
 */
export const gitlabWriteScopes: readonly string[] = [
  'api',
  'write_repository',
  'write_registry',
  'write_package_registry',
  'write_virtual_registry',
  'create_runner',
  'manage_runner',
  'k8s_proxy',
];

/** Scopes that act as someone else (sudo) or with administrator rights (admin_mode). */
export const gitlabAdminScopes: readonly string[] = ['sudo', 'admin_mode'];

/** Deploy token scopes that write: push to the repository, the container or the package registry. */
export const gitlabDeployTokenWriteScopes: readonly string[] = [
  'write_repository',
  'write_registry',
  'write_package_registry',
];

export const scopesIn = (scopes: readonly string[] | undefined, wanted: readonly string[]) =>
  (scopes ?? []).filter((scope) => wanted.includes(scope));
