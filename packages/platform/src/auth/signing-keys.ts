import type { JSONWebKeySet, JWK } from 'jose';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, CONFIG, LOGGER } from '../di/tokens.ts';
import { ConflictError } from '../errors/domain-errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Logger } from '../logging/logger.ts';
import {
  type ExportedSigningKey,
  generateSigningKey,
  importSigningKey,
  isSessionAlgorithm,
  parseConfiguredKeys,
  type SigningKeyMaterial,
} from './signing-key-material.ts';

interface VerifyingKey extends SigningKeyMaterial {
  /** Set once another key signs; the key verifies until retiredAt + session lifetime. */
  retiredAt: Date | undefined;
}

interface KeyRing {
  signer: SigningKeyMaterial;
  byKid: Map<string, VerifyingKey>;
  loadedAt: number;
}

/**
 * Another hub process may have rotated or generated a key this one has not seen. An unknown
 * kid reloads the ring, but at most this often, so forged kids cannot hammer the database.
 */
const reloadIntervalMs = 30_000;

/**
 * The keys that sign and verify session JWTs. From NHI_JWT_KEYS when set (the operator owns
 * rotation), otherwise generated on first start and kept in the SigningKey table, which is
 * global: reading it is system work, outside any realm.
 */
@injectable()
export class SigningKeys {
  private ring: Promise<KeyRing> | undefined;

  constructor(
    @inject(CONFIG) private readonly config: Config,
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Loads the keys, generating the first one if needed; call at start-up to fail early. */
  async load(): Promise<void> {
    await this.keyRing();
  }

  async signer(): Promise<SigningKeyMaterial> {
    return (await this.keyRing()).signer;
  }

  /** The key a token names in its header, or undefined if it is unknown or past its retirement. */
  async verificationKey(kid: string): Promise<SigningKeyMaterial | undefined> {
    let ring = await this.keyRing();
    if (
      !ring.byKid.has(kid) &&
      this.fromDatabase() &&
      this.clock.now().getTime() - ring.loadedAt > reloadIntervalMs
    ) {
      ring = await this.reload();
    }
    const key = ring.byKid.get(kid);
    if (!key || !this.stillVerifies(key)) return undefined;
    return key;
  }

  /** Public keys of every key that still verifies, for processes that only verify. */
  async publicKeySet(): Promise<JSONWebKeySet> {
    const ring = await this.keyRing();
    const keys: JWK[] = [...ring.byKid.values()]
      .filter((key) => this.stillVerifies(key))
      .map((key) => ({ ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' }));
    return { keys };
  }

  /**
   * Makes a fresh key the signer. The previous keys retire: they keep verifying the tokens
   * they signed until those expire, then they are deleted.
   */
  async rotate(): Promise<{ kid: string }> {
    if (!this.fromDatabase()) {
      throw new ConflictError(
        'Session signing keys come from NHI_JWT_KEYS: rotate them there (put the new key first)',
      );
    }
    const next = await generateSigningKey();
    const now = this.clock.now();
    const deadline = new Date(now.getTime() - this.lifetimeMs());
    // System work: signing keys are global, not realm data.
    await this.db.systemPrisma.$transaction(async (tx) => {
      await tx.signingKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: now } });
      await tx.signingKey.deleteMany({ where: { retiredAt: { lt: deadline } } });
      await tx.signingKey.create({ data: { ...toRow(next), createdAt: now } });
    });
    this.logger.info({ kid: next.kid }, 'session signing key rotated');
    await this.reload();
    return { kid: next.kid };
  }

  private fromDatabase(): boolean {
    return this.config.NHI_JWT_KEYS === undefined;
  }

  private lifetimeMs(): number {
    return this.config.NHI_SESSION_TTL_SECONDS * 1000;
  }

  private stillVerifies(key: VerifyingKey): boolean {
    return !key.retiredAt || this.clock.now().getTime() < key.retiredAt.getTime() + this.lifetimeMs();
  }

  private keyRing(): Promise<KeyRing> {
    if (this.ring) return this.ring;
    const building = this.build();
    this.ring = building;
    // A failed load (database down) must not stick: the next call tries again.
    building.catch(() => {
      if (this.ring === building) this.ring = undefined;
    });
    return building;
  }

  private reload(): Promise<KeyRing> {
    this.ring = undefined;
    return this.keyRing();
  }

  private async build(): Promise<KeyRing> {
    const loadedAt = this.clock.now().getTime();
    if (!this.fromDatabase()) {
      const configured = await Promise.all(
        parseConfiguredKeys(this.config.NHI_JWT_KEYS ?? '').map(importSigningKey),
      );
      return ring(
        configured.map((key) => ({ ...key, retiredAt: undefined })),
        loadedAt,
      );
    }
    let stored = await this.storedKeys();
    if (!stored.some((key) => !key.retiredAt)) {
      const first = await generateSigningKey();
      await this.db.systemPrisma.signingKey.create({
        data: { ...toRow(first), createdAt: this.clock.now() },
      });
      this.logger.info({ kid: first.kid }, 'generated a session signing key');
      stored = await this.storedKeys();
    }
    return ring(stored, loadedAt);
  }

  /** Active keys first, newest first: the head of the list signs. */
  private async storedKeys(): Promise<VerifyingKey[]> {
    const rows = await this.db.systemPrisma.signingKey.findMany({
      select: { kid: true, algorithm: true, privateJwk: true, publicJwk: true, retiredAt: true },
      orderBy: [{ createdAt: 'desc' }, { kid: 'asc' }],
    });
    const keys: VerifyingKey[] = [];
    for (const row of rows) {
      if (!isSessionAlgorithm(row.algorithm)) {
        this.logger.warn(
          { kid: row.kid, algorithm: row.algorithm },
          'ignoring a signing key with an unsupported algorithm',
        );
        continue;
      }
      const material = await importSigningKey({
        kid: row.kid,
        alg: row.algorithm,
        privateJwk: row.privateJwk as JWK,
        publicJwk: row.publicJwk as JWK,
      });
      keys.push({ ...material, retiredAt: row.retiredAt ?? undefined });
    }
    return keys
      .filter((key) => this.stillVerifies(key))
      .sort((a, b) => Number(!!a.retiredAt) - Number(!!b.retiredAt));
  }
}

function ring(keys: VerifyingKey[], loadedAt: number): KeyRing {
  const signer = keys.find((key) => !key.retiredAt);
  if (!signer) throw new Error('No session signing key is available');
  return { signer, byKid: new Map(keys.map((key) => [key.kid, key])), loadedAt };
}

function toRow(key: ExportedSigningKey) {
  return {
    kid: key.kid,
    algorithm: key.alg,
    // A JWK is a plain JSON object; its type only lacks Prisma's JSON index signature.
    privateJwk: key.privateJwk as Prisma.InputJsonObject,
    publicJwk: key.publicJwk as Prisma.InputJsonObject,
  };
}
