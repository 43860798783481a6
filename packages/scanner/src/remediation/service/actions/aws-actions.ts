import type { IAMClient } from '@aws-sdk/client-iam';
import { ConflictError, ValidationError } from '@nhi/platform';
import { accessKeyHint } from '../../../connectors/aws/access-keys.ts';
import {
  type ActionOffer,
  day,
  type ModuleDryRun,
  type ProviderAccess,
  type ProviderAnswer,
  ProviderRefusal,
  type RemediationActionModule,
  type RemediationSubject,
  type SubjectCredential,
} from './remediation-action.ts';

/** The IAM user an identity is, from its ARN (`arn:aws:iam::123:user/path/name`); root and roles are none. */
function iamUserName(subject: RemediationSubject): string | null {
  const metadata = (subject.nhi.metadata ?? {}) as { awsRoot?: boolean };
  if (subject.nhi.provider !== 'aws' || metadata.awsRoot) return null;
  const match = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(subject.nhi.externalId);
  return match?.[1] ?? null;
}

/** As a live scan builds its client: the source's region, endpoint and keys. */
/**
 * The AWS SDK's IAM client, loaded by the first action that reaches AWS rather than with the hub,
 * which most requests never need (ADR 0056).
 */
let iam: typeof import('@aws-sdk/client-iam');

function iamClient(access: ProviderAccess): IAMClient {
  const { accessKeyId, secretAccessKey, sessionToken } = access.secrets;
  if (!accessKeyId || !secretAccessKey)
    throw new ValidationError(
      'The source has no AWS credentials (accessKeyId and secretAccessKey) to act with',
    );
  return new iam.IAMClient({
    region: typeof access.settings.region === 'string' ? access.settings.region : 'us-east-1',
    endpoint: typeof access.settings.endpoint === 'string' ? access.settings.endpoint : undefined,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 2,
  });
}

/** AWS's own error code and message (`AccessDenied: User … is not authorized …`): no secret is in it. */
function refusal(error: unknown): ProviderRefusal {
  const failure = error as { name?: string; message?: string; $metadata?: { requestId?: string } };
  const requestId = failure.$metadata?.requestId ? ` (request ${failure.$metadata.requestId})` : '';
  return new ProviderRefusal(
    `AWS answered ${failure.name ?? 'an error'}: ${failure.message ?? ''}${requestId}`,
  );
}

async function withClient<T>(access: ProviderAccess, work: (client: IAMClient) => Promise<T>): Promise<T> {
  iam = await import('@aws-sdk/client-iam');
  const client = iamClient(access);
  try {
    return await work(client);
  } catch (error) {
    if (error instanceof ConflictError || error instanceof ValidationError) throw error;
    throw refusal(error);
  } finally {
    client.destroy();
  }
}

function answerOf(output: { $metadata: { requestId?: string; httpStatusCode?: number } }, result: string) {
  return {
    requestId: output.$metadata.requestId ?? null,
    httpStatus: output.$metadata.httpStatusCode ?? null,
    result,
  } satisfies ProviderAnswer;
}

const sameSecond = (a: Date | null | undefined, b: Date | null | undefined) =>
  a != null && b != null && Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);

interface ListedKey {
  id: string;
  status: string;
  created: Date | null;
}

/**
 * The user's keys at AWS and which one the credential is: by fingerprint (a live scan keeps the
 * key id's), by hint, else by creation time (a key known from a credential report's slot).
 */
async function resolveKey(
  client: IAMClient,
  userName: string,
  credential: SubjectCredential,
  access: ProviderAccess,
): Promise<{ key: ListedKey; others: ListedKey[] }> {
  const keys: ListedKey[] = [];
  for await (const page of iam.paginateListAccessKeys({ client }, { UserName: userName }))
    for (const key of page.AccessKeyMetadata ?? [])
      if (key.AccessKeyId)
        keys.push({ id: key.AccessKeyId, status: key.Status ?? 'Inactive', created: key.CreateDate ?? null });
  let match: ListedKey | undefined;
  for (const key of keys) {
    if (credential.fingerprint && (await access.fingerprint(key.id)) === credential.fingerprint) match = key;
  }
  match ??= keys.find((key) => credential.hint === key.id || credential.hint === accessKeyHint(key.id));
  match ??= keys.find((key) => sameSecond(key.created, credential.providerCreatedAt));
  if (!match)
    throw new ConflictError(
      `The key ${credential.hint ?? credential.id} is no longer among ${userName}'s access keys at AWS: a scan of the source brings the inventory up to date`,
    );
  const found = match;
  return { key: found, others: keys.filter((key) => key !== found) };
}

/** Last use as IAM records it (GetAccessKeyLastUsed); the inventory's date when it cannot be read. */
async function lastUseOf(client: IAMClient, key: ListedKey, credential: SubjectCredential) {
  try {
    const { AccessKeyLastUsed: used } = await client.send(
      new iam.GetAccessKeyLastUsedCommand({ AccessKeyId: key.id }),
    );
    const known = (value: string | undefined) => (value && value !== 'N/A' ? value : null);
    return {
      at: used?.LastUsedDate?.toISOString() ?? credential.lastUsedAt?.toISOString() ?? null,
      service: known(used?.ServiceName),
      region: known(used?.Region),
    };
  } catch {
    return { at: credential.lastUsedAt?.toISOString() ?? null, service: null, region: null };
  }
}

function keyOffers(
  subject: RemediationSubject,
  action: 'aws.access_key.deactivate' | 'aws.access_key.delete',
  label: string,
): ActionOffer[] {
  if (!iamUserName(subject)) return [];
  return subject.credentials
    .filter((credential) => credential.kind === 'access_key' && credential.status !== 'revoked')
    .filter((credential) => action === 'aws.access_key.delete' || credential.status === 'active')
    .map((credential) => ({
      action,
      label,
      credentialId: credential.id,
      targetLabel: credential.hint ?? 'access key',
      available: true,
      reason: null,
    }));
}

async function keyDryRun(
  subject: RemediationSubject,
  credential: SubjectCredential | null,
  access: ProviderAccess,
  deleting: boolean,
): Promise<ModuleDryRun> {
  const userName = iamUserName(subject);
  if (!userName || !credential) throw new ValidationError('Name the access key to act on (credentialId)');
  return withClient(access, async (client) => {
    const { key, others } = await resolveKey(client, userName, credential, access);
    const hint = accessKeyHint(key.id);
    const otherActive = others.filter((other) => other.status === 'Active');
    const risks = [
      otherActive.length === 0
        ? `${userName} has no other active access key: software signing requests with ${hint} loses access to AWS`
        : `Software still using ${hint} must switch to ${otherActive.map((other) => accessKeyHint(other.id)).join(', ')} first`,
    ];
    if (deleting)
      risks.push('Deleting cannot be undone; a deactivated key can be activated again if something breaks');
    if (key.status !== 'Active' && !deleting) risks.push(`${hint} is already Inactive at AWS`);
    return {
      target: { userName, accessKeyId: key.id, hint },
      summary: deleting
        ? `Access key ${hint} of user ${userName} is deleted`
        : `Access key ${hint} of user ${userName} becomes Inactive`,
      lastUse: await lastUseOf(client, key, credential),
      otherCredentials: others.map(
        (other) => `${accessKeyHint(other.id)} (${other.status}, created ${day(other.created)})`,
      ),
      risks,
    };
  });
}

const text = (target: Record<string, unknown>, key: string) => {
  const value = target[key];
  if (typeof value !== 'string' || !value) throw new ValidationError(`The action's target has no ${key}`);
  return value;
};

export const deactivateAccessKey: RemediationActionModule = {
  key: 'aws.access_key.deactivate',
  label: 'Deactivate access key',
  sourceType: 'aws_iam',
  credentialStatus: 'inactive',
  rescanInput: 'aws.live',
  offers: (subject) => keyOffers(subject, 'aws.access_key.deactivate', 'Deactivate access key'),
  plan: (subject, credential, access) => keyDryRun(subject, credential, access, false),
  run: (target, access) =>
    withClient(access, async (client) =>
      answerOf(
        await client.send(
          new iam.UpdateAccessKeyCommand({
            UserName: text(target, 'userName'),
            AccessKeyId: text(target, 'accessKeyId'),
            Status: 'Inactive',
          }),
        ),
        `${text(target, 'hint')} is Inactive`,
      ),
    ),
};

export const deleteAccessKey: RemediationActionModule = {
  key: 'aws.access_key.delete',
  label: 'Delete access key',
  sourceType: 'aws_iam',
  credentialStatus: 'revoked',
  rescanInput: 'aws.live',
  offers: (subject) => keyOffers(subject, 'aws.access_key.delete', 'Delete access key'),
  plan: (subject, credential, access) => keyDryRun(subject, credential, access, true),
  run: (target, access) =>
    withClient(access, async (client) =>
      answerOf(
        await client.send(
          new iam.DeleteAccessKeyCommand({
            UserName: text(target, 'userName'),
            AccessKeyId: text(target, 'accessKeyId'),
          }),
        ),
        `${text(target, 'hint')} is deleted`,
      ),
    ),
};

interface ReportMetadata {
  credentialReport?: { passwordEnabled?: boolean; passwordLastUsed?: string | null };
}

export const deleteLoginProfile: RemediationActionModule = {
  key: 'aws.login_profile.delete',
  label: 'Remove console password',
  sourceType: 'aws_iam',
  credentialStatus: null,
  rescanInput: 'aws.live',
  offers: (subject) => {
    const report = (subject.nhi.metadata as ReportMetadata | null)?.credentialReport;
    const hasPassword =
      report?.passwordEnabled === true || subject.facts.some((fact) => fact.kind === 'aws.console_password');
    if (!iamUserName(subject) || !hasPassword) return [];
    return [
      {
        action: 'aws.login_profile.delete',
        label: 'Remove console password',
        credentialId: null,
        targetLabel: 'console password',
        available: true,
        reason: null,
      },
    ];
  },
  plan: async (subject) => {
    const userName = iamUserName(subject) as string;
    const report = (subject.nhi.metadata as ReportMetadata | null)?.credentialReport;
    const keys = subject.credentials.filter((c) => c.kind === 'access_key' && c.status !== 'revoked');
    return {
      target: { userName },
      summary: `The console password of user ${userName} is removed: nobody signs in to the AWS console as ${userName} any more`,
      lastUse: { at: report?.passwordLastUsed ?? null, service: 'AWS console', region: null },
      otherCredentials: keys.map((key) => `${key.hint ?? 'access key'} (${key.status})`),
      risks: [
        report?.passwordLastUsed
          ? `The password was last used on ${day(report.passwordLastUsed)}: whoever signs in with it loses console access`
          : 'The password has never been used',
        'Access keys are not affected; a new password can be set later with CreateLoginProfile',
      ],
    };
  },
  run: (target, access) =>
    withClient(access, async (client) =>
      answerOf(
        await client.send(new iam.DeleteLoginProfileCommand({ UserName: text(target, 'userName') })),
        `${text(target, 'userName')} has no console password`,
      ),
    ),
};
