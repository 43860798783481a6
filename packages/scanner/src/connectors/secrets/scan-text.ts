import type { DiscoveredLeak } from '../connector.ts';
import { gitleaksHits } from './gitleaks-detector.ts';
import { nhiHits } from './nhi-rules.ts';
import { leakingHits, leaksOfHits, type TextFile } from './secret-hit.ts';
import { secretlintHits } from './secretlint-scan.ts';

/**
 * The leaks in one file, by every detector: secretlint's recommended rules, this project's rules and
 * gitleaks' rules. Placeholders and unsecured JWTs are dropped, whoever found them; a secret two
 * detectors find is one leak. Only masked matches and fingerprints come out.
 */
export async function scanText(
  file: TextFile,
  fingerprint: (secret: string) => Promise<string>,
): Promise<DiscoveredLeak[]> {
  const hits = [...(await secretlintHits(file)), ...nhiHits(file), ...gitleaksHits(file)];
  return leaksOfHits(file, leakingHits(file.content, hits), fingerprint);
}
