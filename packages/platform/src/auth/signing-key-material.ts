import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { ConfigError } from '../config/config.ts';

/**
 * Asymmetric algorithms only: other processes (workers, a second hub) can then verify
 * sessions holding public keys alone. Anything else is refused when verifying, which
 * also rules out `alg: none` and HMAC-with-a-public-key confusion.
 */
export const sessionAlgorithms = ['EdDSA', 'ES256'] as const;
export type SessionAlgorithm = (typeof sessionAlgorithms)[number];

export function isSessionAlgorithm(value: unknown): value is SessionAlgorithm {
  return (sessionAlgorithms as readonly unknown[]).includes(value);
}

/** A key ready for use. `privateKey` is absent where a process only verifies. */
export interface SigningKeyMaterial {
  kid: string;
  alg: SessionAlgorithm;
  publicKey: CryptoKey;
  privateKey: CryptoKey | undefined;
  publicJwk: JWK;
}

/** The exported form that the SigningKey table keeps. */
export interface ExportedSigningKey {
  kid: string;
  alg: SessionAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Private members, plus the usage hints that WebCrypto exports for the private half only. */
const notPublic = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'key_ops', 'ext'] as const;

function publicPartOf(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of notPublic) delete copy[member];
  return copy as JWK;
}

export async function generateSigningKey(): Promise<ExportedSigningKey> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const publicJwk = publicPartOf(privateJwk);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    alg: 'EdDSA',
    privateJwk: { ...privateJwk, kid, alg: 'EdDSA' },
    publicJwk: { ...publicJwk, kid, alg: 'EdDSA' },
  };
}

export async function importSigningKey(key: ExportedSigningKey): Promise<SigningKeyMaterial> {
  const [privateKey, publicKey] = await Promise.all([
    importJWK(key.privateJwk, key.alg),
    importJWK(key.publicJwk, key.alg),
  ]);
  if (!(privateKey instanceof CryptoKey) || !(publicKey instanceof CryptoKey)) {
    throw new Error(`Signing key ${key.kid} is not an asymmetric key`);
  }
  return { kid: key.kid, alg: key.alg, privateKey, publicKey, publicJwk: key.publicJwk };
}

function algorithmOf(jwk: JWK): SessionAlgorithm | undefined {
  if (jwk.alg !== undefined) return isSessionAlgorithm(jwk.alg) ? jwk.alg : undefined;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return undefined;
}

/**
 * Reads NHI_JWT_KEYS: a JWK Set of private keys, each with a `kid`. The first key signs,
 * every key verifies, so an operator rotates by putting a new key first and removing the
 * old one once the session lifetime has passed.
 */
export function parseConfiguredKeys(json: string): ExportedSigningKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError('NHI_JWT_KEYS is not valid JSON');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError('NHI_JWT_KEYS must be a JSON Web Key Set with at least one key: {"keys":[...]}');
  }
  const seen = new Set<string>();
  return keys.map((candidate: JWK, index) => {
    const alg = algorithmOf(candidate);
    if (typeof candidate.kid !== 'string' || candidate.kid === '') {
      throw new ConfigError(`NHI_JWT_KEYS key ${index} has no "kid"`);
    }
    if (seen.has(candidate.kid))
      throw new ConfigError(`NHI_JWT_KEYS has two keys with kid "${candidate.kid}"`);
    seen.add(candidate.kid);
    if (!alg) {
      throw new ConfigError(
        `NHI_JWT_KEYS key "${candidate.kid}" must be an Ed25519 (EdDSA) or P-256 (ES256) key pair`,
      );
    }
    if (typeof candidate.d !== 'string') {
      throw new ConfigError(`NHI_JWT_KEYS key "${candidate.kid}" has no private part ("d")`);
    }
    return {
      kid: candidate.kid,
      alg,
      privateJwk: { ...candidate, alg },
      publicJwk: { ...publicPartOf(candidate), alg },
    };
  });
}
