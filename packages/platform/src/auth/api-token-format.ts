import { createHash, randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 256 bits: far beyond guessing, whatever the rate limits. */
const secretLength = 43;
const marker = 'nhi_';
/** Marker plus eight characters: enough to tell tokens apart in a list, useless to an attacker. */
const prefixLength = marker.length + 8;

const tokenShape = new RegExp(`^${marker}[0-9A-Za-z]{${secretLength}}$`);

export function generateApiToken(): string {
  return marker + randomSecret();
}

/** 256 random bits as 43 base62 characters: the secret part of every bearer token the hub issues. */
export function randomSecret(): string {
  let secret = '';
  while (secret.length < secretLength) {
    for (const byte of randomBytes(secretLength * 2)) {
      // 248 = 4 * 62: dropping larger bytes keeps every character equally likely.
      if (byte < 248 && secret.length < secretLength) secret += alphabet[byte % 62];
    }
  }
  return secret;
}

export function looksLikeApiToken(candidate: string): boolean {
  return tokenShape.test(candidate);
}

export function apiTokenPrefix(token: string): string {
  return token.slice(0, prefixLength);
}

/**
 * SHA-256, not a password hash: the token is 256 random bits, so no dictionary or brute
 * force applies and a slow, salted hash would buy nothing. A fast, deterministic hash lets
 * every API call find its token with one indexed lookup.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
