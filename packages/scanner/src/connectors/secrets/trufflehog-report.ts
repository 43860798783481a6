import { type ConnectorOutput, UnreadableInputError } from '../connector.ts';
import { commitOf, isObject, lineOr, outputOf, type ReportFinding, stringOr } from './report-leaks.ts';
import { secretTypeOfName } from './secret-types.ts';

type Found = ReportFinding | { item: string; message: string };

/** trufflehog's log lines, when its stderr went into the same file: not findings, not errors. */
const isLogLine = (entry: Record<string, unknown>) => 'level' in entry && 'msg' in entry;

/** Go writes byte slices (Raw, RawV2) as base64. */
function decoded(value: unknown): string | null {
  const text = stringOr(value, null);
  return text ? Buffer.from(text, 'base64').toString('utf8') : null;
}

/** Where the source says the secret is: SourceMetadata.Data holds one object named by the source (Git, Filesystem, ...). */
function locationOf(entry: Record<string, unknown>) {
  const metadata = isObject(entry.SourceMetadata) ? entry.SourceMetadata : {};
  const data = isObject(metadata.Data) ? metadata.Data : {};
  const source = Object.values(data).find(isObject) ?? {};
  return {
    file: stringOr(source.file, null) ?? stringOr(source.path, null) ?? stringOr(source.link, null),
    line: lineOr(source.line),
    commit: commitOf(source.commit),
  };
}

function findingOf(entry: Record<string, unknown>, item: string): Found {
  const detector = stringOr(entry.DetectorName, null);
  // Raw is the secret as the detector matched it; RawV2 adds its other part (an AWS key's id and secret).
  const secret = decoded(entry.Raw) ?? decoded(entry.RawV2);
  if (!detector || !secret) return { item, message: 'has no DetectorName or Raw secret' };
  const location = locationOf(entry);
  return {
    rule: `trufflehog/${detector}`,
    file: location.file ?? stringOr(entry.SourceName, 'unknown'),
    line: location.line,
    commit: location.commit,
    secret,
    // Redacted is trufflehog's idea of safe to show; the mask here is stricter, so it is not used.
    match: null,
    secretType: secretTypeOfName(detector),
    // Verified: the detector used the secret and it worked. Otherwise nobody knows: the check may have
    // been skipped (--no-verification), failed, or not exist for the detector.
    verification: entry.Verified === true ? 'live' : 'unknown',
  };
}

/** The output of `trufflehog ... --json`: one JSON object a line, each a finding. */
export async function readTrufflehogReport(
  input: string,
  fingerprint: (secret: string) => Promise<string>,
): Promise<ConnectorOutput> {
  const findings: Found[] = [];
  let unreadable = 0;
  let lines = 0;
  for (const [index, line] of input
    .replace(/^\uFEFF/, '')
    .split('\n')
    .entries()) {
    if (!line.trim()) continue;
    lines += 1;
    const item = `line ${index + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      unreadable += 1;
      // The line is not repeated: it may hold a secret.
      findings.push({ item, message: 'is not JSON' });
      continue;
    }
    if (!isObject(entry)) findings.push({ item, message: 'is not a finding' });
    else if (!isLogLine(entry)) findings.push(findingOf(entry, item));
  }
  if (lines > 0 && unreadable === lines)
    throw new UnreadableInputError('This is not trufflehog output: run trufflehog with --json');
  return outputOf(findings, fingerprint);
}
