import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { DiscoveredLeak } from '../connector.ts';
import { maskedMatch } from './mask.ts';

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

export interface TextFile {
  path: string;
  content: string;
  /** The commit the content comes from, for history scans. */
  commit?: string | null;
  /** Line numbers of the content in the file, when it is a fragment (added lines of a diff). */
  lineOf?: (line: number) => number;
}

/** The secret a message points at: its range, or the values secretlint names in data. */
function secretOf(
  content: string,
  message: { range: readonly [number, number]; data?: Record<string, unknown> },
) {
  const [start, end] = message.range;
  const ranged = end > start ? content.slice(start, end) : '';
  if (ranged.trim()) return ranged;
  const values = Object.values(message.data ?? {}).filter(
    (value): value is string => typeof value === 'string',
  );
  return values.sort((a, b) => b.length - a.length)[0] ?? '';
}

/** Runs secretlint's recommended rules over one file; only masked matches and fingerprints come out. */
export async function scanText(
  file: TextFile,
  fingerprint: (secret: string) => Promise<string>,
): Promise<DiscoveredLeak[]> {
  const result = await lintSource({
    source: { filePath: file.path, content: file.content, contentType: 'text' },
    options: { config, noPhysicFilePath: true },
  });
  const lines = file.content.split('\n');
  const leaks: DiscoveredLeak[] = [];
  for (const message of result.messages) {
    const secret = secretOf(file.content, message);
    if (!secret) continue;
    const line = message.loc.start.line;
    leaks.push({
      rule: message.ruleId.replace('@secretlint/secretlint-rule-', 'secretlint/'),
      file: file.path,
      line: file.lineOf ? file.lineOf(line) : line,
      commit: file.commit ?? null,
      maskedMatch: maskedMatch(lines[line - 1] ?? secret, secret),
      fingerprint: await fingerprint(secret),
    });
  }
  return leaks;
}
