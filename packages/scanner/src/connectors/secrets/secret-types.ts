/**
 * What kind of secret a leak is, whichever detector or report found it: a leak that links to no
 * inventoried credential is judged by this (an AWS secret key matters more than a password-like word).
 */
export const secretTypes = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'gcp_service_account_key',
  'gcp_api_key',
  'azure_storage_key',
  'azure_client_secret',
  'github_token',
  'gitlab_token',
  'slack_token',
  'slack_webhook',
  'openai_api_key',
  'anthropic_api_key',
  'stripe_key',
  'twilio_key',
  'pypi_token',
  'npm_token',
  'docker_auth',
  'hashicorp_vault_token',
  'private_key',
  'jwt',
  'kubernetes_service_account_token',
  'basic_auth',
  'database_url',
  /** A token of another service, recognised by its format (SendGrid, Shopify, Databricks, ...). */
  'api_token',
  /** A password, a high-entropy string or a value next to a word like "secret". */
  'generic',
] as const;
export type SecretType = (typeof secretTypes)[number];

/** `live`: the secret works; `invalid`: it was checked and does not; `unknown`: checking failed or was inconclusive. */
export type Verification = 'live' | 'invalid' | 'unknown';

/** Rule ids as the leaks name them (`secretlint/aws`), with secretlint's message id where one rule finds several kinds. */
const exact: Record<string, SecretType> = {
  'secretlint/aws:AWSAccessKeyID': 'aws_access_key_id',
  'secretlint/aws:AWSSecretAccessKey': 'aws_secret_access_key',
  'secretlint/gcp': 'gcp_service_account_key',
  'secretlint/npm:PackageJSON_xOauthToken': 'github_token',
  'secretlint/npm': 'npm_token',
  'secretlint/slack:IncomingWebhook': 'slack_webhook',
  'secretlint/slack': 'slack_token',
  'secretlint/basicauth': 'basic_auth',
  'secretlint/openai': 'openai_api_key',
  'secretlint/anthropic': 'anthropic_api_key',
  'secretlint/privatekey': 'private_key',
  'secretlint/stripe': 'stripe_key',
  'secretlint/github': 'github_token',
  'secretlint/gitlab': 'gitlab_token',
  'secretlint/database-connection-string': 'database_url',
  'secretlint/hashicorp-vault': 'hashicorp_vault_token',
  'secretlint/docker': 'docker_auth',
  'gitleaks/aws-access-token': 'aws_access_key_id',
  'gitleaks/azure-ad-client-secret': 'azure_client_secret',
  'gitleaks/gcp-api-key': 'gcp_api_key',
  'gitleaks/slack-webhook-url': 'slack_webhook',
  'gitleaks/openai-api-key': 'openai_api_key',
  'gitleaks/stripe-access-token': 'stripe_key',
  'gitleaks/twilio-api-key': 'twilio_key',
  'gitleaks/pypi-upload-token': 'pypi_token',
  'gitleaks/npm-access-token': 'npm_token',
  'gitleaks/private-key': 'private_key',
  'gitleaks/jwt': 'jwt',
  'gitleaks/jwt-base64': 'jwt',
  'gitleaks/curl-auth-user': 'basic_auth',
  'gitleaks/sidekiq-sensitive-url': 'basic_auth',
  'nhi/jwt': 'jwt',
  'nhi/kubernetes-service-account-token': 'kubernetes_service_account_token',
  'nhi/azure-storage-account-key': 'azure_storage_key',
  'nhi/docker-config-auth': 'docker_auth',
  'nhi/aws-secret-access-key': 'aws_secret_access_key',
  'nhi/base64-private-key': 'private_key',
  'nhi/password-assignment': 'generic',
  // A password in a URL: `database_url` for a database's scheme, which the finding itself tells.
  'nhi/url-credentials': 'basic_auth',
};

/** Families of rules named alike in gitleaks and the imported reports; the first that matches wins. */
const families: [RegExp, SecretType][] = [
  [/^gitleaks\/(generic|curl-auth-header|kubernetes-secret-yaml|.*-password$)/, 'generic'],
  [/^gitleaks\/github-/, 'github_token'],
  [/^gitleaks\/gitlab-/, 'gitlab_token'],
  [/^gitleaks\/slack-/, 'slack_token'],
  [/^gitleaks\/anthropic-/, 'anthropic_api_key'],
  [/^gitleaks\/vault-/, 'hashicorp_vault_token'],
  [/^gitleaks\//, 'api_token'],
  [/^secretlint\//, 'api_token'],
];

/**
 * The type of what a rule found. `variant` tells apart the kinds one rule reports (secretlint's
 * message id). Rules nobody classified are `generic`.
 */
export function secretTypeOf(rule: string, variant?: string): SecretType {
  const byVariant = variant ? exact[`${rule}:${variant}`] : undefined;
  return byVariant ?? exact[rule] ?? families.find(([pattern]) => pattern.test(rule))?.[1] ?? 'generic';
}

/** How a type found under another detector's name is called here: trufflehog detectors, detect-secrets plugins. */
export function secretTypeOfName(name: string): SecretType {
  const key = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (
    byName.find(([pattern]) => pattern.test(key))?.[1] ??
    (/keyword|entropy|password|secret|generic/.test(key) ? 'generic' : 'api_token')
  );
}

const byName: [RegExp, SecretType][] = [
  [/^aws(accesskey)?$/, 'aws_access_key_id'],
  [/^awssession/, 'aws_access_key_id'],
  [/^(gcp|googlecloud|gcpapplicationdefaultcredentials)$/, 'gcp_service_account_key'],
  [/^(googleapikey|gcpapikey|googlemaps)/, 'gcp_api_key'],
  [/^azure(storage|storageaccountaccesskey|storageaccount)/, 'azure_storage_key'],
  [/^(azure|azureentra|azureclientsecret)/, 'azure_client_secret'],
  [/^github/, 'github_token'],
  [/^gitlab/, 'gitlab_token'],
  [/^slackwebhook/, 'slack_webhook'],
  [/^slack/, 'slack_token'],
  [/^openai/, 'openai_api_key'],
  [/^anthropic/, 'anthropic_api_key'],
  [/^stripe/, 'stripe_key'],
  [/^twilio/, 'twilio_key'],
  [/^pypi/, 'pypi_token'],
  [/^npm/, 'npm_token'],
  [/^(docker|dockerhub)/, 'docker_auth'],
  [/^(vault|hashicorpvault)/, 'hashicorp_vault_token'],
  [/privatekey$/, 'private_key'],
  [/^(jwt|jsonwebtoken)$/, 'jwt'],
  [/^basicauth/, 'basic_auth'],
  [/^(uri|ftp|ldap|redis)$/, 'basic_auth'],
  [/^(postgres|postgresql|mysql|mongodb|jdbc|sqlserver)$/, 'database_url'],
];
