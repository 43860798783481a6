import { UnreadableInputError } from '../../connector.ts';

/** The providers a found secret can be checked with: one read-only identity call each. */
export const verifyProviders = ['aws', 'github', 'gitlab', 'slack'] as const;
export type VerifyProvider = (typeof verifyProviders)[number];

/**
 * Where each provider is called: the public APIs. AWS has none here: the SDK's STS endpoint of
 * us-east-1 (sts.us-east-1.amazonaws.com) is used unless one is set.
 */
export const defaultVerifyEndpoints: Record<Exclude<VerifyProvider, 'aws'>, string> = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com',
  slack: 'https://slack.com/api',
};

export interface VerificationOptions {
  /** Base URLs per provider (no trailing slash); absent: the public API. */
  endpoints: Partial<Record<VerifyProvider, string>>;
  /** Calls per second and provider, at most. */
  perSecond: number;
  /** Calls per scan, at most; the secrets beyond are left `unknown`. */
  maxCalls: number;
  /** Per call, in milliseconds. */
  timeoutMs: number;
}

export const verificationDefaults = { perSecond: 5, maxCalls: 200, timeoutMs: 5000 } as const;

function endpointUrl(provider: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UnreadableInputError(`verifyEndpoints: ${provider} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UnreadableInputError(`verifyEndpoints: ${provider} must be an http(s) URL`);
  if (url.username || url.password || url.search || url.hash)
    throw new UnreadableInputError(
      `verifyEndpoints: ${provider} must be a base URL, without credentials or query`,
    );
  return url.href.replace(/\/+$/, '');
}

/**
 * `verifyEndpoints`: `github=https://ghe.example.com/api/v3, gitlab=https://gitlab.example.com`
 * (source settings hold strings), or the same as an object.
 */
export function parseVerifyEndpoints(value: unknown): Partial<Record<VerifyProvider, string>> {
  if (value === undefined || value === null || value === '') return {};
  const pairs: [string, unknown][] =
    typeof value === 'string'
      ? value
          .split(/[\s,;]+/)
          .filter(Boolean)
          .map((pair) => {
            const at = pair.indexOf('=');
            if (at <= 0) throw new UnreadableInputError(`verifyEndpoints: "${pair}" is not provider=URL`);
            return [pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim()];
          })
      : typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value as Record<string, unknown>)
        : [];
  if (pairs.length === 0 && typeof value !== 'string')
    throw new UnreadableInputError('verifyEndpoints must be provider=URL pairs');
  const endpoints: Partial<Record<VerifyProvider, string>> = {};
  for (const [provider, url] of pairs) {
    if (!(verifyProviders as readonly string[]).includes(provider))
      throw new UnreadableInputError(
        `verifyEndpoints: unknown provider "${provider}" (one of ${verifyProviders.join(', ')})`,
      );
    if (typeof url !== 'string') throw new UnreadableInputError(`verifyEndpoints: ${provider} is not a URL`);
    endpoints[provider as VerifyProvider] = endpointUrl(provider, url);
  }
  return endpoints;
}

function integerSetting(
  settings: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  fallback: number,
) {
  const value = settings[key];
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max)
    throw new UnreadableInputError(`${key} must be a whole number from ${min} to ${max}`);
  return number;
}

/**
 * The verification a secrets source asks for: none unless its settings say `verify: true`.
 * `verifyEndpoints`, `verifyRatePerSecond` and `verifyMaxCalls` tune it.
 */
export function verificationOfSettings(settings: Record<string, unknown>): VerificationOptions | null {
  if (settings.verify !== true) return null;
  return {
    endpoints: parseVerifyEndpoints(settings.verifyEndpoints),
    perSecond: integerSetting(settings, 'verifyRatePerSecond', 1, 50, verificationDefaults.perSecond),
    maxCalls: integerSetting(settings, 'verifyMaxCalls', 0, 10_000, verificationDefaults.maxCalls),
    timeoutMs: verificationDefaults.timeoutMs,
  };
}
