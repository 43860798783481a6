import type { SecretHit, TextFile } from './secret-hit.ts';

/**
 * Secrets of machine identities that neither rule set tells apart: Kubernetes service-account tokens
 * among JWTs, Azure storage account keys, and registry credentials in Docker config files. The
 * patterns have no nested repetition, so they run in linear time like the RE2 rules.
 */

const jwtPattern = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g;

function jsonOfBase64(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A service-account token names its issuer `kubernetes/serviceaccount` (legacy Secret tokens) or
 * carries a `kubernetes.io` claim (bound tokens, whose issuer is the cluster's URL).
 */
export function isKubernetesServiceAccountClaims(payload: Record<string, unknown>): boolean {
  return (
    payload.iss === 'kubernetes/serviceaccount' ||
    Object.keys(payload).some((claim) => claim.startsWith('kubernetes.io'))
  );
}

function jwtHits(content: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const match of content.matchAll(jwtPattern)) {
    const [header, payload] = match[0].split('.').map(jsonOfBase64);
    if (!isObject(header) || typeof header.alg !== 'string' || !isObject(payload)) continue;
    const kubernetes = isKubernetesServiceAccountClaims(payload);
    hits.push({
      rule: kubernetes ? 'nhi/kubernetes-service-account-token' : 'nhi/jwt',
      secretType: kubernetes ? 'kubernetes_service_account_token' : 'jwt',
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return hits;
}

// A storage account key is 64 random bytes: 86 base64 characters and `==`.
const storageKeyPatterns = [
  /\bAccountKey=([A-Za-z0-9+/]{86}==)/g,
  /(?:azure|storage)[\w.-]{0,30}(?:key|secret)[\w.-]{0,10}["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9+/]{86}==)/gi,
];

function azureStorageKeyHits(content: string): SecretHit[] {
  return storageKeyPatterns.flatMap((pattern) =>
    [...content.matchAll(pattern)].map((match) => {
      const key = match[1] ?? '';
      const start = match.index + match[0].length - key.length;
      return {
        rule: 'nhi/azure-storage-account-key',
        secretType: 'azure_storage_key' as const,
        start,
        end: start + key.length,
      };
    }),
  );
}

const dockerAuthPattern = /"auth"\s*:\s*"([A-Za-z0-9+/]{4,}={0,2})"/g;
const dockerConfigValuePattern = /\.dockerconfigjson["']?\s*:\s*["']?([A-Za-z0-9+/]{20,}={0,2})/g;

/** `auth` is base64 of `user:password`. */
function isBasicCredential(base64: string): boolean {
  const decoded = Buffer.from(base64, 'base64').toString('utf8');
  return /^[^:\s]+:\S+$/.test(decoded);
}

function dockerAuthHits(content: string): SecretHit[] {
  const hits: SecretHit[] = [];
  const hit = (start: number, length: number) =>
    hits.push({ rule: 'nhi/docker-config-auth', secretType: 'docker_auth', start, end: start + length });
  if (content.includes('"auths"'))
    for (const match of content.matchAll(dockerAuthPattern)) {
      const auth = match[1] ?? '';
      if (isBasicCredential(auth)) hit(match.index + match[0].length - 1 - auth.length, auth.length);
    }
  // A Kubernetes Secret of type dockerconfigjson holds the whole config file base64-encoded.
  for (const match of content.matchAll(dockerConfigValuePattern)) {
    const value = match[1] ?? '';
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const auths = decoded.includes('"auths"') ? [...decoded.matchAll(dockerAuthPattern)] : [];
    if (auths.some((auth) => isBasicCredential(auth[1] ?? '')))
      hit(match.index + match[0].length - value.length, value.length);
  }
  return hits;
}

/** The secrets this project's own rules find in a file. */
export function nhiHits(file: TextFile): SecretHit[] {
  return [...jwtHits(file.content), ...azureStorageKeyHits(file.content), ...dockerAuthHits(file.content)];
}
