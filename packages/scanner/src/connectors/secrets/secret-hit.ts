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
  /**
   * The secret, when the file holds it encoded (a base64 PEM key in a kubeconfig): what the span
   * decodes to. The span is still what is masked; this is what is fingerprinted.
   */
  decoded?: string;
}

/** The secret of a hit: the text of its span, or what that text decodes to. */
export function secretOfHit(content: string, hit: SecretHit): string {
  return hit.decoded ?? content.slice(hit.start, hit.end);
}

/**
 * What a secret is fingerprinted as. A private key is the same key whether a file holds it as PEM
 * lines, indented in YAML, as a JSON string with escaped newlines (a GCP key file) or base64-encoded
 * (a kubeconfig's client-key-data), so all fingerprint alike: its lines, trimmed, without blank ones.
 */
export function fingerprintInput(secret: string): string {
  if (!secret.includes('-----BEGIN')) return secret;
  return secret
    .replace(/\\r\\n|\\n|\r\n|\r/g, '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
}

/**
 * Detectors agree more on some types than others: a specific type wins over a generic one, and a
 * token's own type over the URL it is the password of (`https://x-access-token:ghp_...@github.com`).
 */
function rank(type: SecretType): number {
  if (type === 'generic') return 0;
  if (type === 'api_token' || type === 'jwt' || type === 'private_key') return 1;
  if (type === 'basic_auth' || type === 'database_url') return 1;
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
    const secret = fingerprintInput(secretOfHit(content, hit));
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
    const secret = secretOfHit(file.content, hit);
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

/**
 * Values that stand for a secret in documentation, templates and examples, whichever detector found
 * them: words (secretlint's list of ignored credentials and the like), compared without case or
 * punctuation (`YOUR_PASSWORD`, `<your-token>`).
 */
const placeholderWords = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'token',
  'apikey',
  'changeme',
  'changeit',
  'replaceme',
  'placeholder',
  'redacted',
  'dummy',
  'mypassword',
  'yourpassword',
  'mysecret',
  'yoursecret',
  'mytoken',
  'yourtoken',
  'yourapikey',
  'replacewithpassword',
  'username',
  'user',
  'root',
  'admin',
  'none',
  'null',
  'true',
  'false',
]);

/**
 * References to a value kept elsewhere, as templates and shells spell them: `${X}`, `${{ secrets.X }}`,
 * `{{ .Values.x }}`, `{x}`, `$X`, `$(x)`, `%(x)s`, `%X%`, `@X@`, `%s`, `<your-token>`, `[token]`.
 */
const references = [
  /\$\{[^}]*\}/,
  /\{\{[^}]*\}\}/,
  /\{[\w .|-]{1,50}\}/,
  /\$\([^)]*\)/,
  /%\(\w+\)[sdr]/,
  /^\$\w+$/,
  /^%\w+%$/,
  /^@\w+@$/,
  /^%[-+# 0]?[a-zA-Z]$/,
  /^<[^>]*>$/,
  /^\[[^\]]*\]$/,
];

/**
 * What fills in a secret in an example, never a random one: `EXAMPLE`, `xxxx`, `000000`,
 * `1234567890`, `abcdefgh`, an ellipsis (`ghp_...`), the word password (`SomeNewPassword123!`) or
 * changeme.
 */
const fillers =
  /EXAMPLE|[Ee]xample|xxxx|XXXX|0{6}|1234567890|0123456789|abcdefgh|ABCDEFGH|\.\.\.|…|[Pp]assword|PASSWORD|[Cc]hangeme|CHANGEME/;

const distinctCount = (text: string) => new Set(text).size;

/**
 * Whether a found value is a placeholder, not a secret: a word or reference that stands for one, or
 * a value too regular to be random: at most 3 distinct characters in the whole or in a part of 12 or
 * more between separators (the random part after a token's prefix: `ghp_` + 36 `x`), a run of 8 of
 * one character, or a filler such as `EXAMPLE` or `xxxx`. A private key is judged by its body only,
 * as DER has long runs of `A` by nature.
 */
export function isPlaceholder(secret: string, type: SecretType): boolean {
  const value = secret.trim();
  if (value.length < 4) return true;
  if (references.some((reference) => reference.test(value))) return true;
  if (placeholderWords.has(value.toLowerCase().replace(/[^a-z0-9]/g, ''))) return true;
  if (type === 'private_key' || value.startsWith('-----BEGIN')) {
    const body = value.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\\[nr]|\s/g, '');
    return distinctCount(body) <= 3;
  }
  if (fillers.test(value) || /(.)\1{7}/.test(value) || distinctCount(value) <= 3) return true;
  return value.split(/[_.-]/).some((part) => part.length >= 12 && distinctCount(part) <= 3);
}

/**
 * An unsecured JWT (`alg: none`, RFC 7519 section 6) is no credential: anyone can forge one, so a
 * verifier that accepts it is the flaw, not the token.
 */
export function isUnsecuredJwt(secret: string): boolean {
  const [header, payload, , extra] = secret.trim().split('.');
  if (!header?.startsWith('ey') || !payload?.startsWith('ey') || extra !== undefined) return false;
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
    return typeof alg === 'string' && alg.toLowerCase() === 'none';
  } catch {
    return false;
  }
}

/**
 * A certificate or a public key, base64-encoded as Kubernetes Secrets and kubeconfigs hold them
 * (`tls.crt`, `ca.crt`, `certificate-authority-data`): public, no secret. A rule whose secret is the
 * whole `key: value` line (gitleaks' kubernetes-secret-yaml) is judged by its value.
 */
export function isPublicPem(secret: string): boolean {
  const value = (secret.trim().split(/\s/).pop() ?? '').replace(/^["']|["']$/g, '');
  if (!value.startsWith('LS0tLS1CRUdJT')) return false;
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  return !decoded.includes('PRIVATE KEY');
}

/**
 * The hits that are leaks: no placeholder, no unsecured JWT, no certificate. Applied to every
 * detector's hits.
 */
export function leakingHits(content: string, hits: readonly SecretHit[]): SecretHit[] {
  return hits.filter((hit) => {
    const secret = secretOfHit(content, hit);
    return !isPlaceholder(secret, hit.secretType) && !isUnsecuredJwt(secret) && !isPublicPem(secret);
  });
}
