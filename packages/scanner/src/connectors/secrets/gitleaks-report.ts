import { parse as parseCsv } from 'csv-parse/sync';
import { type ConnectorOutput, UnreadableInputError } from '../connector.ts';
import {
  commitOf,
  isObject,
  lineOr,
  outputOf,
  parseJson,
  type ReportFinding,
  stringOr,
} from './report-leaks.ts';
import { secretTypeOf } from './secret-types.ts';

type Found = ReportFinding | { item: string; message: string };

/**
 * gitleaks writes `REDACTED`, or the secret's start and `...`, with --redact: nothing is left to
 * fingerprint, so such a finding could never link to its credential.
 */
const isRedacted = (secret: string) => secret === 'REDACTED' || secret.endsWith('...');

function findingOf(
  item: string,
  fields: { rule: unknown; file: unknown; line: unknown; commit: unknown; secret: unknown; match: unknown },
): Found {
  const secret = stringOr(fields.secret, null);
  const file = stringOr(fields.file, null);
  if (!secret || !file) return { item, message: 'has no Secret or File' };
  if (isRedacted(secret))
    return { item, message: 'its secret is redacted (gitleaks --redact): run gitleaks without it' };
  const rule = `gitleaks/${stringOr(fields.rule, 'unknown')}`;
  return {
    rule,
    file,
    line: lineOr(typeof fields.line === 'string' ? Number(fields.line) : fields.line),
    commit: commitOf(fields.commit),
    secret,
    match: stringOr(fields.match, null),
    secretType: secretTypeOf(rule),
    verification: null,
  };
}

function jsonFindings(input: string): Found[] {
  const findings = parseJson(input, 'The gitleaks report');
  if (!Array.isArray(findings))
    throw new UnreadableInputError('A gitleaks JSON report is an array of findings');
  return findings.map((entry, index) => {
    const finding = isObject(entry) ? entry : {};
    return findingOf(`finding ${index + 1}`, {
      rule: finding.RuleID,
      file: finding.File,
      line: finding.StartLine,
      commit: finding.Commit,
      secret: finding.Secret,
      match: finding.Match,
    });
  });
}

function csvFindings(input: string): Found[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(input, { columns: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    // csv-parse quotes the offending field in its message: only its code and line are kept.
    const { code, lines } = error as { code?: string; lines?: number };
    throw new UnreadableInputError(
      `The gitleaks CSV report cannot be read (${code ?? 'error'} at line ${lines ?? '?'})`,
    );
  }
  if (rows.length > 0 && !('RuleID' in (rows[0] ?? {})))
    throw new UnreadableInputError('A gitleaks CSV report starts with the header RuleID,Commit,File,...');
  return rows.map((row, index) =>
    findingOf(`row ${index + 2}`, {
      rule: row.RuleID,
      file: row.File,
      line: row.StartLine,
      commit: row.Commit,
      secret: row.Secret,
      match: row.Match,
    }),
  );
}

/** SARIF: gitleaks puts the secret in the region's snippet and the commit in partialFingerprints. */
function sarifFindings(report: Record<string, unknown>): Found[] {
  if (!Array.isArray(report.runs)) throw new UnreadableInputError('A SARIF report has runs');
  return report.runs.flatMap((run, runIndex) => {
    const results = isObject(run) && Array.isArray(run.results) ? run.results : [];
    return results.map((result, index) => {
      const entry = isObject(result) ? result : {};
      const location =
        Array.isArray(entry.locations) && isObject(entry.locations[0]) ? entry.locations[0] : {};
      const physical = isObject(location.physicalLocation) ? location.physicalLocation : {};
      const artifact = isObject(physical.artifactLocation) ? physical.artifactLocation : {};
      const region = isObject(physical.region) ? physical.region : {};
      const snippet = isObject(region.snippet) ? region.snippet : {};
      const partial = isObject(entry.partialFingerprints) ? entry.partialFingerprints : {};
      return findingOf(`run ${runIndex + 1} result ${index + 1}`, {
        rule: entry.ruleId,
        file: artifact.uri,
        line: region.startLine,
        commit: partial.commitSha,
        secret: snippet.text,
        match: null,
      });
    });
  });
}

/**
 * A gitleaks report in any of the formats gitleaks writes that carry the secret: JSON (an array),
 * SARIF (an object with runs) or CSV (anything else; gitleaks writes an empty file when it finds
 * nothing). The format is told by the first character, so one input takes them all. Each finding is
 * a leak; its secret is fingerprinted and dropped.
 */
export async function readGitleaksReport(
  input: string,
  fingerprint: (secret: string) => Promise<string>,
): Promise<ConnectorOutput> {
  const text = input.replace(/^\uFEFF/, '').trim();
  let findings: Found[];
  if (text.startsWith('[')) findings = jsonFindings(text);
  else if (text.startsWith('{')) {
    const report = parseJson(text, 'The gitleaks report');
    if (!isObject(report) || !('runs' in report))
      throw new UnreadableInputError(
        'A gitleaks JSON report is an array of findings, a SARIF report has runs',
      );
    findings = sarifFindings(report);
  } else findings = csvFindings(text);
  return outputOf(findings, fingerprint);
}
