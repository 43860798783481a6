import type { DiscoveredLeak } from '../../connector.ts';
import type { Verification } from '../secret-types.ts';
import type { VerifiableSecret } from './secret-verifier.ts';

/**
 * Secrets in the formats an identity call can check. Others of the same type are left unchecked:
 * GitHub refresh tokens (ghr_), GitLab runner, deploy, trigger or feed tokens (only personal, project
 * and group access tokens answer /user), Slack refresh tokens and webhooks, AWS temporary key ids
 * (ASIA: they need their session token).
 */
const githubToken = /^(?:gh[pous]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})$/;
const gitlabToken = /^glpat-[A-Za-z0-9_.-]{20,}$/;
const slackToken = /^(?:xoxe\.)?xox[abps]-[A-Za-z0-9-]{10,}$/;
const awsKeyId = /^AKIA[A-Z0-9]{16}$/;
const awsSecretKey = /^[A-Za-z0-9/+]{40}$/;

interface Planned {
  leaks: number[];
  secret: VerifiableSecret;
}

/**
 * What of one file's leaks can be checked: each token alone, each AWS secret access key with the key
 * id nearest it in the same file (a key id or a secret key alone says nothing). `secretOf` gives a
 * leak's secret by its fingerprint, within this file's scan only.
 */
export function verifiableSecretsOf(
  leaks: readonly DiscoveredLeak[],
  secretOf: (fingerprint: string) => string | undefined,
): Planned[] {
  const planned: Planned[] = [];
  const keyIds: { index: number; line: number; value: string }[] = [];
  const secretKeys: { index: number; line: number; value: string }[] = [];
  leaks.forEach((leak, index) => {
    const secret = secretOf(leak.fingerprint);
    if (!secret) return;
    const line = leak.line ?? 0;
    const token = (provider: 'github' | 'gitlab' | 'slack') =>
      planned.push({
        leaks: [index],
        secret: { key: `${provider}:${leak.fingerprint}`, credential: { provider, token: secret } },
      });
    if (leak.secretType === 'github_token' && githubToken.test(secret)) token('github');
    else if (leak.secretType === 'gitlab_token' && gitlabToken.test(secret)) token('gitlab');
    else if (leak.secretType === 'slack_token' && slackToken.test(secret)) token('slack');
    else if (leak.secretType === 'aws_access_key_id' && awsKeyId.test(secret))
      keyIds.push({ index, line, value: secret });
    else if (leak.secretType === 'aws_secret_access_key' && awsSecretKey.test(secret))
      secretKeys.push({ index, line, value: secret });
  });
  for (const secretKey of secretKeys) {
    // The nearest key id by line; of two as near, the one before (a credentials file's order).
    const keyId = [...keyIds].sort(
      (a, b) =>
        Math.abs(a.line - secretKey.line) - Math.abs(b.line - secretKey.line) ||
        Number(a.line > secretKey.line) - Number(b.line > secretKey.line),
    )[0];
    if (!keyId) continue;
    const keyIdLeak = leaks[keyId.index];
    const secretKeyLeak = leaks[secretKey.index];
    if (!keyIdLeak || !secretKeyLeak) continue;
    planned.push({
      leaks: [keyId.index, secretKey.index],
      secret: {
        key: `aws:${keyIdLeak.fingerprint}:${secretKeyLeak.fingerprint}`,
        credential: { provider: 'aws', accessKeyId: keyId.value, secretAccessKey: secretKey.value },
      },
    });
  }
  return planned;
}

/** A leak in several checks (a key id paired twice) works when one of them does. */
const precedence: Verification[] = ['live', 'unknown', 'invalid'];

/** Sets the verification of the leaks that could be checked; the others keep theirs (null). */
export async function verifyLeaks(
  leaks: DiscoveredLeak[],
  secretOf: (fingerprint: string) => string | undefined,
  verify: (secret: VerifiableSecret) => Promise<Verification>,
): Promise<void> {
  const planned = verifiableSecretsOf(leaks, secretOf);
  const outcomes = await Promise.all(planned.map((check) => verify(check.secret)));
  const byLeak = new Map<number, Verification[]>();
  planned.forEach((check, at) => {
    for (const index of check.leaks)
      byLeak.set(index, [...(byLeak.get(index) ?? []), outcomes[at] ?? 'unknown']);
  });
  for (const [index, found] of byLeak) {
    const leak = leaks[index];
    if (leak) leak.verification = precedence.find((outcome) => found.includes(outcome)) ?? 'unknown';
  }
}
