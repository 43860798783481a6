import type { NhiEnvironment, NhiKind, NhiProvider, NhiStatus } from '@nhi/nhi';

export const kindLabel: Record<NhiKind, string> = {
  service_account: 'Service account',
  access_key: 'Access key',
  api_key: 'API key',
  oauth_app: 'OAuth app',
  personal_access_token: 'Personal access token',
  deploy_key: 'Deploy key',
  ssh_key: 'SSH key',
  certificate: 'Certificate',
  bot: 'Bot',
  workload_identity: 'Workload identity',
  ai_agent: 'AI agent',
  other: 'Other',
};

export const providerLabel: Record<NhiProvider, string> = {
  aws: 'AWS',
  gcp: 'Google Cloud',
  azure: 'Azure / Entra ID',
  github: 'GitHub',
  gitlab: 'GitLab',
  kubernetes: 'Kubernetes',
  slack: 'Slack',
  okta: 'Okta',
  other: 'Other',
};

export const environmentLabel: Record<NhiEnvironment, string> = {
  production: 'Production',
  staging: 'Staging',
  development: 'Development',
  unknown: 'Unknown',
};

export const statusLabel: Record<NhiStatus, string> = {
  active: 'Active',
  disabled: 'Disabled',
  decommissioned: 'Decommissioned',
  missing_from_source: 'Missing from source',
};

export const credentialKindLabel: Record<string, string> = {
  access_key: 'Access key',
  api_key: 'API key',
  password: 'Password',
  token: 'Token',
  private_key: 'Private key',
  certificate: 'Certificate',
  client_secret: 'Client secret',
  other: 'Other',
};
