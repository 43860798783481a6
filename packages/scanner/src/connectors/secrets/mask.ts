/**
 * What of a secret may be shown: enough to recognise which one it is, never enough to use it.
 * Short secrets show nothing of themselves.
 */
export function maskSecret(secret: string): string {
  const value = secret.trim();
  if (value.length < 12) return '*'.repeat(Math.max(4, value.length));
  const shown = Math.min(4, Math.floor(value.length / 6));
  return `${value.slice(0, shown)}${'*'.repeat(Math.min(24, value.length - 2 * shown))}${value.slice(-shown)}`;
}

const maxShown = 200;
/** Context kept either side of a secret in a long line (minified code, one-line JSON). */
const contextShown = 80;

/**
 * A report's match with its secret masked. When the secret is not literally in the match (the
 * report trimmed or re-encoded one of them) nothing of the match can be trusted to be safe, so only
 * the secret's mask is shown.
 */
export function maskedMatch(match: string, secret: string): string {
  if (!secret || !match.includes(secret)) return maskSecret(secret);
  const masked = match.split(secret).join(maskSecret(secret));
  const leading = masked.length - masked.trimStart().length;
  return shorten(masked.trim(), Math.max(0, match.indexOf(secret) - leading));
}

/** Where a secret is in a scanned text: offsets of its first and past its last character. */
export interface SecretSpan {
  start: number;
  end: number;
  secret: string;
}

/**
 * The line a secret starts on, with every secret found in the text masked where it touches the line:
 * a secret that runs on past the line (a multi-line private key) ends the line with its mask, one that
 * began on an earlier line hides the part of the line it covers. `lineStart` is the line's offset.
 */
export function maskedLine(text: string, lineStart: number, spans: readonly SecretSpan[]): string {
  const newline = text.indexOf('\n', lineStart);
  const lineEnd = newline === -1 ? text.length : newline;
  const touching = spans
    .filter((span) => span.start < lineEnd && span.end > lineStart)
    .sort((a, b) => a.start - b.start);
  let out = '';
  let at = lineStart;
  let firstMask = -1;
  for (const span of touching) {
    if (span.end <= at) continue;
    if (span.start > at) out += text.slice(at, span.start);
    if (span.start >= lineStart) {
      if (firstMask === -1) firstMask = out.length;
      out += maskSecret(span.secret);
    }
    at = Math.min(Math.max(at, span.end), lineEnd);
    if (at >= lineEnd) break;
  }
  if (at < lineEnd) out += text.slice(at, lineEnd);
  const leading = out.length - out.trimStart().length;
  return shorten(out.trim(), Math.max(0, firstMask - leading));
}

/** Keeps a long line readable: the part around the secret's mask. */
function shorten(line: string, maskAt: number): string {
  if (line.length <= maxShown) return line;
  const from = Math.max(0, maskAt - contextShown);
  const to = Math.min(line.length, from + maxShown - 6);
  return `${from > 0 ? '...' : ''}${line.slice(from, to)}${to < line.length ? '...' : ''}`;
}
