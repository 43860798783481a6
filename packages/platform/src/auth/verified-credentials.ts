import { createHash } from 'node:crypto';
import type { Principal, RealmRef } from '../context/request-context.ts';
import type { SessionClaims } from './session-tokens.ts';

/** What checking a credential against the database established, and as of which epochs. */
export interface VerifiedCredential {
  principal: Extract<Principal, { kind: 'user' | 'token' }>;
  realm: RealmRef;
  /** The user's authEpoch and the realm's PolicyEpoch read in the same statement as the rest. */
  authEpoch: string;
  policyEpoch: string;
  /** Milliseconds since 1970: the earliest of the token's, the session's and the JWT's expiry. */
  validUntil: number;
  /** Session JWTs: their claims, for the renewal decision. */
  claims?: SessionClaims;
  /** API tokens: when lastUsedAt was last written, so use is recorded once a minute, not per call. */
  lastUsedAt?: number;
}

interface Entry {
  credential: VerifiedCredential;
  storedAt: number;
}

/** A verified credential is trusted without a full check for at most this long, epochs permitting. */
export const verifiedCredentialTtlMs = 60_000;
/** Enough for every browser and script of a busy hub; beyond it the oldest entries go first. */
const maxEntries = 10_000;

/**
 * Credentials this process has verified, by a hash of the presented token (the token itself is
 * never kept). An entry is only a hint: every use still reads the user's and the realm's epochs
 * (one primary-key read) and falls back to the full check when either has moved.
 */
export class VerifiedCredentials {
  private readonly entries = new Map<string, Entry>();

  keyOf(kind: 'session' | 'bearer', token: string): string {
    return createHash('sha256').update(kind).update('\0').update(token).digest('base64url');
  }

  /** The entry for `key` unless it has expired by `now` or outlived the cache's own limit. */
  get(key: string, now: number): VerifiedCredential | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now >= entry.credential.validUntil || now - entry.storedAt >= verifiedCredentialTtlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.credential;
  }

  set(key: string, credential: VerifiedCredential, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { credential, storedAt: now });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
