import type { DiscoveredLeak } from '../connector.ts';
import { maskedLine, type SecretSpan } from './mask.ts';
import type { SecretType } from './secret-types.ts';

export interface TextFile {
  path: string;
  content: string;
  /** The commit the content comes from, for history scans. */
  commit?: string | null;
  /** Line numbers of the content in the file, when it is a fragment (added lines of a diff). */
  lineOf?: (line: number) => number;
}

/** A secret a detector found in a file: where it is. The secret is never copied out of the file's text. */
export interface SecretHit {
  rule: string;
  secretType: SecretType;
  /** Offset of the secret's first character in the content. */
  start: number;
  /** Offset past its last character. */
  end: number;
}

/**
 * What a secret is fingerprinted as. A private key is the same key whether a file holds it as PEM
 * lines or as a JSON string with escaped newlines (a GCP key file), so both fingerprint alike.
 */
export function fingerprintInput(secret: string): string {
  if (!secret.includes('-----BEGIN')) return secret;
  return secret.replace(/\\r\\n|\\n|\r\n/g, '\n').trim();
}

/** Detectors agree more on some types than others: a specific type wins over a generic one. */
function rank(type: SecretType): number {
  if (type === 'generic') return 0;
  if (type === 'api_token' || type === 'jwt' || type === 'private_key') return 1;
  return 2;
}

/**
 * One hit per secret: hits of several rules or detectors on the same line whose secrets overlap, or
 * that are the same secret, are one leak, named by the most specific rule (the first on a tie).
 */
export function distinctHits(content: string, hits: readonly SecretHit[]): SecretHit[] {
  const lines = lineIndex(content);
  const kept: SecretHit[] = [];
  const keptByLine = new Map<number, { hit: SecretHit; secret: string }[]>();
  const ordered = hits
    .map((hit, order) => ({ hit, order, line: lines.lineAt(hit.start) }))
    .sort((a, b) => rank(b.hit.secretType) - rank(a.hit.secretType) || a.order - b.order);
  for (const { hit, line } of ordered) {
    const secret = fingerprintInput(content.slice(hit.start, hit.end));
    const onLine = keptByLine.get(line) ?? [];
    const duplicate = onLine.some(
      (other) => (hit.start < other.hit.end && other.hit.start < hit.end) || other.secret === secret,
    );
    if (duplicate) continue;
    kept.push(hit);
    keptByLine.set(line, [...onLine, { hit, secret }]);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** The leaks of a file's hits: masked, fingerprinted, with the line numbers of the file. */
export async function leaksOfHits(
  file: TextFile,
  hits: readonly SecretHit[],
  fingerprint: (secret: string) => Promise<string>,
): Promise<DiscoveredLeak[]> {
  const lines = lineIndex(file.content);
  // Every secret found is masked wherever it shows, also in the line of another secret's leak.
  const spans: SecretSpan[] = hits.map((hit) => ({
    start: hit.start,
    end: hit.end,
    secret: file.content.slice(hit.start, hit.end),
  }));
  const leaks: DiscoveredLeak[] = [];
  for (const hit of distinctHits(file.content, hits)) {
    const line = lines.lineAt(hit.start);
    const secret = file.content.slice(hit.start, hit.end);
    leaks.push({
      rule: hit.rule,
      file: file.path,
      line: file.lineOf ? file.lineOf(line) : line,
      commit: file.commit ?? null,
      maskedMatch: maskedLine(file.content, lines.startOf(line), spans),
      fingerprint: await fingerprint(fingerprintInput(secret)),
      secretType: hit.secretType,
      verification: null,
    });
  }
  return leaks;
}

/** Line numbers (1-based) of offsets, and offsets of lines, by binary search over the newlines. */
export function lineIndex(content: string) {
  const starts = [0];
  for (let at = content.indexOf('\n'); at !== -1; at = content.indexOf('\n', at + 1)) starts.push(at + 1);
  return {
    lineAt(offset: number): number {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if ((starts[mid] ?? 0) <= offset) low = mid;
        else high = mid - 1;
      }
      return low + 1;
    },
    startOf(line: number): number {
      return starts[line - 1] ?? 0;
    },
  };
}
