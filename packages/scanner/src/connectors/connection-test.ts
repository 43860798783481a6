import fs from 'node:fs/promises';
import path from 'node:path';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { Octokit } from '@octokit/rest';
import type { ConnectionTestResult, SourceType } from '../api/scanner.schema.ts';
import { testAwsOrganizationConnection } from './aws/aws-organization.ts';
import { testEntraConnection } from './entra/entra.ts';
import { testGcpConnection } from './gcp/gcp.ts';
import { testGitLabConnection } from './gitlab/gitlab.ts';
import { testKubernetesConnection } from './k8s/kubernetes-live.ts';

type Settings = Record<string, string | number | boolean>;

/** A test that waits longer than this reports the provider as unreachable. */
const testTimeoutMs = 15_000;

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/**
 * One cheap authenticated call to a live source's provider with credentials not yet saved: the first
 * entry of the call its scan makes first, so it also says whether the scan's permission is granted.
 * The provider's reason is returned with any credential it might echo masked.
 */
export async function testSourceConnection(
  type: SourceType,
  settings: Settings,
  secrets: Record<string, string>,
): Promise<ConnectionTestResult> {
  const signal = AbortSignal.timeout(testTimeoutMs);
  try {
    return await testsByType[type](settings, secrets, signal);
  } catch (error) {
    return { ok: false, message: masked(reasonOf(error), Object.values(secrets)) };
  }
}

const testsByType: Record<
  SourceType,
  (settings: Settings, secrets: Record<string, string>, signal: AbortSignal) => Promise<ConnectionTestResult>
> = {
  aws_iam: testAws,
  github: testGitHub,
  secrets: testDirectory,
  kubernetes: testKubernetesConnection,
  gcp: testGcpConnection,
  entra: testEntraConnection,
  gitlab: testGitLabConnection,
};

async function testAws(settings: Settings, secrets: Record<string, string>, signal: AbortSignal) {
  // A source covering an organization holds the management account's keys, which may read no IAM.
  if (text(settings.roleName)) return testAwsOrganizationConnection(settings, secrets, signal);
  const { accessKeyId, secretAccessKey, sessionToken } = secrets;
  if (!accessKeyId || !secretAccessKey)
    return { ok: false, message: 'Give an access key id and a secret access key' };
  const client = new IAMClient({
    region: text(settings.region) ?? 'us-east-1',
    endpoint: text(settings.endpoint),
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 1,
  });
  try {
    await client.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1 }), { abortSignal: signal });
    return { ok: true, message: 'AWS accepted the credentials and lets them read the account’s IAM' };
  } finally {
    client.destroy();
  }
}

async function testGitHub(settings: Settings, secrets: Record<string, string>, signal: AbortSignal) {
  const org = text(settings.organization);
  if (!secrets.token) return { ok: false, message: 'Give a GitHub token' };
  if (!org) return { ok: false, message: 'Name the organisation' };
  const octokit = new Octokit({
    auth: secrets.token,
    baseUrl: text(settings.baseUrl),
    request: { signal, retries: 0 },
  });
  await octokit.rest.orgs.listAppInstallations({ org, per_page: 1 });
  return { ok: true, message: `GitHub accepted the token and lets it read ${org}’s app installations` };
}

async function testDirectory(settings: Settings) {
  const directory = text(settings.path);
  if (!directory) return { ok: false, message: 'Only a directory source has a connection to test' };
  const stat = await fs.stat(path.resolve(directory)).catch(() => null);
  if (!stat?.isDirectory()) return { ok: false, message: `${directory} is not a directory the hub can read` };
  await fs.access(path.resolve(directory), fs.constants.R_OK);
  return { ok: true, message: `The hub can read ${directory}` };
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `The provider did not answer within ${testTimeoutMs / 1000} seconds`;
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 500) || 'The provider refused the connection';
}

/** Providers may quote what they were sent: no credential leaves in a message. */
function masked(message: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= 4)
    .reduce((text, secret) => text.split(secret).join('***'), message);
}
