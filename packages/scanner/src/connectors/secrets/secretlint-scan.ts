import path from 'node:path';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretHit, TextFile } from './secret-hit.ts';
import { secretTypeOf } from './secret-types.ts';

const config = {
  rules: [
    {
      id: '@secretlint/secretlint-rule-preset-recommend',
      rule: recommended,
      // AWS access key ids are identifiers, but a committed one points at its secret nearby.
      rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
    },
  ],
};

/** Messages that name no credential: an AWS account id is public knowledge, not a secret. */
const ignoredMessages = new Set(['AWSAccountID']);

interface Message {
  ruleId: string;
  messageId?: string;
  range: readonly [number, number];
  data?: Record<string, unknown>;
}

/** Runs secretlint's recommended rules over one file: where each secret it names is. */
export async function secretlintHits(file: TextFile): Promise<SecretHit[]> {
  const result = await lintSource({
    // Rules choose by extension (the GCP rule reads only .json), which secretlint does not derive itself.
    source: { filePath: file.path, ext: path.extname(file.path), content: file.content, contentType: 'text' },
    options: { config, noPhysicFilePath: true },
  });
  const hits: SecretHit[] = [];
  for (const message of result.messages as Message[]) {
    if (message.messageId && ignoredMessages.has(message.messageId)) continue;
    const span = spanOf(file.content, message);
    if (!span) continue;
    const rule = message.ruleId.replace('@secretlint/secretlint-rule-', 'secretlint/');
    hits.push({ rule, secretType: secretTypeOf(rule, message.messageId), start: span[0], end: span[1] });
  }
  return hits;
}

/**
 * Where the secret of a message is. Rules disagree on what `range` covers: for some it is the secret,
 * for others the start of the whole assignment (`aws_secret_access_key = "...`) cut to the secret's
 * length, or the whole file. The secret itself is the value the rule puts in `data`: the longest data
 * value found on the lines the range covers is the secret; the range is used only when none is.
 */
export function spanOf(content: string, message: Message): [number, number] | null {
  if (message.ruleId === '@secretlint/secretlint-rule-gcp') return gcpPrivateKeySpan(content);
  const [start, end] = message.range;
  const from = content.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = content.indexOf('\n', Math.max(end - 1, start));
  const to = lineEnd === -1 ? content.length : lineEnd;
  const values = Object.values(message.data ?? {})
    .filter((value): value is string => typeof value === 'string' && value.trim() !== '')
    .sort((a, b) => b.length - a.length);
  for (const value of values) {
    const at = nearestOccurrence(content, value, start, from, to);
    if (at !== -1) return credentialOfUrl(content, [at, at + value.length]);
  }
  return end > start && content.slice(start, end).trim() ? credentialOfUrl(content, [start, end]) : null;
}

/** The occurrence of value within [from, to) closest after start, else closest before it. */
function nearestOccurrence(content: string, value: string, start: number, from: number, to: number): number {
  const after = content.indexOf(value, start);
  if (after !== -1 && after + value.length <= to) return after;
  const before = content.lastIndexOf(value, start);
  return before !== -1 && before >= from && before + value.length <= to ? before : -1;
}

const urlWithPassword = /^[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:([^@/\s]+)@/i;

/** In a URL with a user and password (basic auth, a database URL) the secret is the password. */
function credentialOfUrl(content: string, [start, end]: [number, number]): [number, number] {
  const match = urlWithPassword.exec(content.slice(start, end));
  if (!match?.[1]) return [start, end];
  const passwordAt = start + match[0].length - 1 - match[1].length;
  return [passwordAt, passwordAt + match[1].length];
}

/**
 * A GCP service-account key file is reported as a whole; its secret is the private key, as the file
 * spells it (a JSON string with escaped newlines).
 */
function gcpPrivateKeySpan(content: string): [number, number] | null {
  const match = /"private_key"\s*:\s*"((?:[^"\\]|\\.)+)"/.exec(content);
  if (!match?.[1]) return null;
  const start = match.index + match[0].length - 1 - match[1].length;
  return [start, start + match[1].length];
}
