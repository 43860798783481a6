import type { CreateSourceInput, SourceType } from '@nhi/scanner/schema';

export const sourceTypeLabels: Record<SourceType, string> = {
  aws_iam: 'AWS IAM',
  kubernetes: 'Kubernetes',
  github: 'GitHub organisation',
  secrets: 'Leaked secrets (files, directory, gitleaks, trufflehog, detect-secrets)',
  gcp: 'Google Cloud (organization, folders, projects)',
  entra: 'Microsoft Entra ID tenant',
  gitlab: 'GitLab (group or instance)',
};

export const sourceEnvironments = ['production', 'staging', 'development', 'unknown'] as const;

/**
 * A credential field: its key and label, and `multiline` for a value pasted as several lines (a PEM,
 * a kubeconfig, a JSON key file), which a one-line input would join into one.
 */
export type SecretField = [key: string, label: string, shape?: 'multiline'];

/** Per type: non-secret settings and the credentials a live scan needs. */
export const sourceFieldsOf: Record<SourceType, { settings: [string, string][]; secrets: SecretField[] }> = {
  aws_iam: {
    settings: [
      ['region', 'Region'],
      ['gitlabOidcHosts', 'Self-managed GitLab hosts trusted through OIDC (optional, comma-separated)'],
      ['roleName', 'Role to assume in each account (organization, e.g. NhiHubReadOnly)'],
      ['accountIds', 'Account ids to read (organization, optional, comma-separated)'],
      ['concurrency', 'Accounts read at once (organization, default 4)'],
      ['accessAdvisor', 'IAM access advisor (true or false; organization default true)'],
      ['snsTopicArn', 'SNS topic of IAM change events (optional: see docs/sources/events.md)'],
    ],
    secrets: [
      ['accessKeyId', 'Access key id'],
      ['secretAccessKey', 'Secret access key'],
      ['externalId', 'External id the member roles require (organization)'],
    ],
  },
  kubernetes: {
    settings: [
      ['cluster', 'Cluster name'],
      ['server', 'API server URL (https://…, with a token)'],
      ['context', 'Kubeconfig context (optional)'],
    ],
    secrets: [
      ['token', 'ServiceAccount token'],
      ['caCert', 'Cluster CA certificate (PEM or base64)', 'multiline'],
      ['kubeconfig', 'Or a kubeconfig (YAML, JSON or base64)', 'multiline'],
    ],
  },
  github: {
    settings: [['organization', 'Organisation']],
    secrets: [
      ['token', 'Token'],
      ['webhookSecret', 'Webhook secret (optional: push and app events start scans)'],
    ],
  },
  secrets: {
    settings: [
      ['path', 'Directory on the hub (optional)'],
      ['verifyEndpoints', 'Verification endpoints (optional: github=URL, gitlab=URL, slack=URL, aws=URL)'],
    ],
    secrets: [],
  },
  // Filled in by each connector's own settings: see its README section.
  gcp: {
    settings: [
      ['projects', 'Project ids (comma-separated; empty: every project of the organization)'],
      ['organization', 'Organization id (optional)'],
      ['folders', 'Folder ids whose IAM policies to read (optional, comma-separated)'],
    ],
    secrets: [['serviceAccountKey', 'Service-account key (JSON key file)', 'multiline']],
  },
  entra: {
    settings: [
      ['tenantId', 'Tenant id (directory id)'],
      ['authorityHost', 'Authority host (optional; default https://login.microsoftonline.com)'],
      ['graphEndpoint', 'Graph endpoint (optional; default https://graph.microsoft.com)'],
    ],
    secrets: [
      ['clientId', 'Application (client) id'],
      ['clientSecret', 'Client secret'],
    ],
  },
  gitlab: {
    settings: [
      ['baseUrl', 'GitLab URL (optional: https://gitlab.com)'],
      ['group', 'Group full path (optional: else the projects the token maintains)'],
    ],
    secrets: [
      ['token', 'Access token (read_api)'],
      ['webhookToken', 'Webhook secret token (optional: push and token events start scans)'],
    ],
  },
};

/** What a source form says, with credentials only when some were typed in (blank: keep what is stored). */
export function sourceFormValues(type: SourceType, form: FormData) {
  const value = (key: string) => String(form.get(key) ?? '').trim();
  const settings: Record<string, string | boolean> = {};
  for (const [key] of sourceFieldsOf[type].settings)
    if (value(`setting.${key}`)) settings[key] = value(`setting.${key}`);
  if (type === 'secrets' && form.get('setting.history')) settings.history = true;
  // Off unless ticked: verification calls each found secret's provider with the secret.
  if (type === 'secrets' && form.get('setting.verify')) settings.verify = true;
  // Off unless ticked: remediation changes the provider with the source's credentials.
  if (type !== 'secrets' && form.get('setting.remediation')) settings.remediation = true;
  const secrets: Record<string, string> = {};
  for (const [key] of sourceFieldsOf[type].secrets)
    if (value(`secret.${key}`)) secrets[key] = value(`secret.${key}`);
  return {
    name: value('name'),
    environment: value('environment') as CreateSourceInput['environment'],
    schedule: value('schedule') || null,
    settings,
    ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
  };
}
