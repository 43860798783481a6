import { type ConnectorOutput, emptyOutput, UnreadableInputError } from '../connector.ts';
import { maskedMatch, maskSecret } from './mask.ts';

interface GitleaksFinding {
  RuleID?: unknown;
  File?: unknown;
  StartLine?: unknown;
  Commit?: unknown;
  Secret?: unknown;
  Match?: unknown;
}

/** A gitleaks JSON report: each finding a leak; the secret is fingerprinted and dropped. */
export async function readGitleaksReport(
  input: string,
  fingerprint: (secret: string) => Promise<string>,
): Promise<ConnectorOutput> {
  let findings: unknown;
  try {
    findings = JSON.parse(input);
  } catch (error) {
    throw new UnreadableInputError(`The gitleaks report is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(findings))
    throw new UnreadableInputError('A gitleaks JSON report is an array of findings');
  const output = emptyOutput();
  for (const [index, entry] of findings.entries()) {
    const finding = (entry ?? {}) as GitleaksFinding;
    const item = `finding ${index + 1}`;
    if (typeof finding.Secret !== 'string' || !finding.Secret || typeof finding.File !== 'string') {
      output.warnings.push({ item, message: 'has no Secret or File' });
      continue;
    }
    const commit =
      typeof finding.Commit === 'string' && /[1-9a-f]/.test(finding.Commit) ? finding.Commit : null;
    output.leaks.push({
      rule: `gitleaks/${typeof finding.RuleID === 'string' ? finding.RuleID : 'unknown'}`,
      file: finding.File,
      line: typeof finding.StartLine === 'number' ? finding.StartLine : null,
      commit,
      maskedMatch:
        typeof finding.Match === 'string'
          ? maskedMatch(finding.Match, finding.Secret)
          : maskSecret(finding.Secret),
      fingerprint: await fingerprint(finding.Secret),
    });
  }
  return output;
}
