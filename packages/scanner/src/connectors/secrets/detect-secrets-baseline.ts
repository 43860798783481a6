import {
  type ConnectorOutput,
  type DiscoveredLeak,
  emptyOutput,
  UnreadableInputError,
} from '../connector.ts';
import { isObject, lineOr, parseJson, stringOr } from './report-leaks.ts';
import { secretTypeOfName } from './secret-types.ts';

const slug = (type: string) =>
  type
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * A detect-secrets baseline (`.secrets.baseline`): `results` maps each file to what was found in it.
 * A baseline holds no secret, only its SHA-1 (`hashed_secret`), so the leak's fingerprint is taken of
 * `sha1:<hash>`. Such a leak can never link to an inventoried credential by fingerprint (those are
 * fingerprints of secrets), and its masked match is only the kind of secret found. Results audited as
 * not secret (`is_secret: false`) are left out; `is_verified: true` is kept as `live`.
 */
export async function readDetectSecretsBaseline(
  input: string,
  fingerprint: (secret: string) => Promise<string>,
): Promise<ConnectorOutput> {
  const baseline = parseJson(input.replace(/^\uFEFF/, ''), 'The detect-secrets baseline');
  if (!isObject(baseline) || !isObject(baseline.results))
    throw new UnreadableInputError('A detect-secrets baseline is an object with results');
  const output = emptyOutput();
  output.read = { count: 0, unit: 'findings' };
  for (const [file, results] of Object.entries(baseline.results)) {
    if (Array.isArray(results)) output.read.count += results.length;
    if (!Array.isArray(results)) {
      output.warnings.push({ item: file, message: 'its results are not a list' });
      continue;
    }
    for (const [index, result] of results.entries()) {
      const entry = isObject(result) ? result : {};
      const type = stringOr(entry.type, null);
      const hash = stringOr(entry.hashed_secret, null);
      if (!type || !hash || !/^[0-9a-f]{40}$/i.test(hash)) {
        output.warnings.push({
          item: `${file} result ${index + 1}`,
          message: 'has no type or hashed_secret',
        });
        continue;
      }
      if (entry.is_secret === false) continue;
      keepOne(output.leaks, {
        rule: `detect-secrets/${slug(type)}`,
        file: stringOr(entry.filename, file),
        line: lineOr(entry.line_number),
        commit: null,
        maskedMatch: type,
        fingerprint: await fingerprint(`sha1:${hash.toLowerCase()}`),
        secretType: secretTypeOfName(type),
        verification: entry.is_verified === true ? 'live' : null,
      });
    }
  }
  return output;
}

/**
 * Several plugins report the same secret on the same line ("Hex High Entropy String" and "Secret
 * Keyword"): one leak, of the most specific type.
 */
function keepOne(leaks: DiscoveredLeak[], leak: DiscoveredLeak) {
  const same = leaks.findIndex(
    (other) => other.file === leak.file && other.line === leak.line && other.fingerprint === leak.fingerprint,
  );
  if (same === -1) leaks.push(leak);
  else if (leaks[same]?.secretType === 'generic' && leak.secretType !== 'generic') leaks[same] = leak;
}
