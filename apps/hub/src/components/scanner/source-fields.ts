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

/** Per type: non-secret settings and the credentials a live scan needs. */
export const sourceFieldsOf: Record<
  SourceType,
  { settings: [string, string][]; secrets: [string, string][] }
> = {
  aws_iam: {
    settings: [['region', 'Region']],
    secrets: [
      ['accessKeyId', 'Access key id'],
      ['secretAccessKey', 'Secret access key'],
    ],
  },
  kubernetes: { settings: [['cluster', 'Cluster name']], secrets: [] },
  github: { settings: [['organization', 'Organisation']], secrets: [['token', 'Token']] },
  secrets: {
    settings: [
      ['path', 'Directory on the hub (optional)'],
      ['verifyEndpoints', 'Verification endpoints (optional: github=URL, gitlab=URL, slack=URL, aws=URL)'],
    ],
    secrets: [],
  },
  // Filled in by each connector's own settings: see its README section.
  gcp: { settings: [], secrets: [] },
  entra: { settings: [], secrets: [] },
  gitlab: { settings: [], secrets: [] },
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
