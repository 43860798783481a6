/**
 * Names under which CI systems (GitHub Actions secrets, GitLab CI/CD variables) keep a long-lived cloud
 * key: the static credential that OIDC federation (GitHub's and GitLab's ID tokens trusted by AWS, Google
 * Cloud workload identity federation, Entra federated credentials) makes unnecessary. Only the name is
 * judged: neither CI returns a secret's value. Region, role, project or tenant names (AWS_REGION,
 * AWS_ROLE_ARN, GOOGLE_PROJECT, AZURE_TENANT_ID, AZURE_CLIENT_ID) are no key and a pipeline using OIDC
 * sets them too, so they are not listed.
 */
export type CloudOfKey = 'aws' | 'gcp' | 'azure';

export const ciCloudKeyNames: Readonly<Record<string, CloudOfKey>> = {
  AWS_ACCESS_KEY_ID: 'aws',
  AWS_SECRET_ACCESS_KEY: 'aws',
  GOOGLE_APPLICATION_CREDENTIALS: 'gcp',
  GOOGLE_CREDENTIALS: 'gcp',
  GCP_SA_KEY: 'gcp',
  GCP_SERVICE_ACCOUNT_KEY: 'gcp',
  GOOGLE_CLOUD_KEYFILE_JSON: 'gcp',
  AZURE_CLIENT_SECRET: 'azure',
  ARM_CLIENT_SECRET: 'azure',
  AZURE_CREDENTIALS: 'azure',
};

/**
 * The cloud whose long-lived key a CI secret or variable holds, judged by its name: a listed name, or
 * one with an environment prefix (`PROD_AWS_SECRET_ACCESS_KEY`); null for any other name.
 */
export function cloudKeyOf(name: string): CloudOfKey | null {
  const upper = name.toUpperCase();
  for (const [known, cloud] of Object.entries(ciCloudKeyNames))
    if (upper === known || upper.endsWith(`_${known}`)) return cloud;
  return null;
}

export function isCiCloudKeyName(name: string): boolean {
  return cloudKeyOf(name) !== null;
}
