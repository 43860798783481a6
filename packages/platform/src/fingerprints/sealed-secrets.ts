import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PlatformDatabase } from '../database/platform-database.ts';
import type { Logger } from '../logging/logger.ts';
import { InstanceKey, type InstanceKeyOptions } from './instance-key.ts';

/**
 * What the product must be able to read back and so cannot keep as a fingerprint (a webhook's
 * signing secret, an SMTP password, a TOTP seed, a provider's ID token kept for logout), sealed
 * with AES-256-GCM under a key of the installation (InstanceKey: generated once, kept in the
 * global InstanceSecret table, so a copy of the realm tables alone does not reveal it). One key
 * per use, named by the caller, so one leaked use does not open the others.
 * Format: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
export class SealedSecrets {
  private readonly key: InstanceKey;

  constructor(db: PlatformDatabase, logger: Logger, options: InstanceKeyOptions) {
    this.key = new InstanceKey(db, logger, options);
  }

  async seal(plain: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.key.load(), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The plain text; throws when the text was not sealed under this key or was altered. */
  async open(sealed: string): Promise<string> {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unreadable sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', await this.key.load(), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
