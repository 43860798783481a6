import {
  type ConnectorOutput,
  type DiscoveredLeak,
  emptyOutput,
  UnreadableInputError,
} from '../connector.ts';
import { maskedMatch, maskSecret } from './mask.ts';
import { fingerprintInput } from './secret-hit.ts';
import type { SecretType, Verification } from './secret-types.ts';

/** A finding of an imported report, with its secret in clear until it is fingerprinted and masked. */
export interface ReportFinding {
  rule: string;
  file: string;
  line: number | null;
  commit: string | null;
  secret: string;
  /** The report's matched text holding the secret, if it has one. */
  match: string | null;
  secretType: SecretType;
  verification: Verification | null;
}

/** The leak of a finding: the secret fingerprinted and dropped, only its mask shown. */
export async function leakOfFinding(
  finding: ReportFinding,
  fingerprint: (secret: string) => Promise<string>,
): Promise<DiscoveredLeak> {
  return {
    rule: finding.rule,
    file: finding.file,
    line: finding.line,
    commit: finding.commit,
    maskedMatch: finding.match ? maskedMatch(finding.match, finding.secret) : maskSecret(finding.secret),
    fingerprint: await fingerprint(fingerprintInput(finding.secret)),
    secretType: finding.secretType,
    verification: finding.verification,
  };
}

/**
 * Parses JSON without repeating the parser's message: V8 quotes the input near the error, which in a
 * secrets report is likely a secret, and the message ends up in the scan's error and the logs.
 */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UnreadableInputError(`${what} is not JSON`);
  }
}

export const stringOr = <T>(value: unknown, otherwise: T): string | T =>
  typeof value === 'string' && value !== '' ? value : otherwise;

export const lineOr = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;

/** A commit id, unless the report fills the field with zeros (findings outside git history). */
export const commitOf = (value: unknown): string | null =>
  typeof value === 'string' && /[1-9a-f]/i.test(value) ? value : null;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The output of an import: each finding a leak, each unusable one a warning. */
export async function outputOf(
  findings: readonly (ReportFinding | { item: string; message: string })[],
  fingerprint: (secret: string) => Promise<string>,
): Promise<ConnectorOutput> {
  const output = emptyOutput();
  output.read = { count: findings.length, unit: 'findings' };
  for (const finding of findings) {
    if ('item' in finding) output.warnings.push(finding);
    else output.leaks.push(await leakOfFinding(finding, fingerprint));
  }
  return output;
}
