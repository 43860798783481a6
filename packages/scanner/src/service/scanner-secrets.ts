import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  CONFIG,
  type Config,
  InstanceKey,
  LOGGER,
  type Logger,
  PLATFORM_DATABASE,
  type PlatformDatabase,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';

/** The InstanceSecret row holding the generated key when NHI_SCANNER_KEY is unset. */
export const scannerKeyName = 'scanner-encryption-key';

const ivBytes = 12;
const tagBytes = 16;

/**
 * Encrypts what a source needs to log in (cloud keys, tokens) and uploads waiting for their scan:
 * AES-256-GCM with a random nonce per value, under NHI_SCANNER_KEY or a key generated once and kept
 * as an instance secret (system data: one key for the installation).
 */
@injectable()
export class ScannerSecrets {
  private readonly key: InstanceKey;

  constructor(
    @inject(CONFIG) config: Config,
    @inject(PLATFORM_DATABASE) db: PlatformDatabase,
    @inject(LOGGER) logger: Logger,
  ) {
    this.key = new InstanceKey(db, logger, {
      name: scannerKeyName,
      description: 'the scanner encryption key',
      configured: () =>
        config.NHI_SCANNER_KEY ? Buffer.from(config.NHI_SCANNER_KEY, 'base64').subarray(0, 32) : undefined,
    });
  }

  async encrypt(plaintext: Buffer): Promise<Buffer> {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', await this.key.load(), iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  async decrypt(sealed: Uint8Array): Promise<Buffer> {
    const buffer = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', await this.key.load(), buffer.subarray(0, ivBytes));
    decipher.setAuthTag(buffer.subarray(ivBytes, ivBytes + tagBytes));
    return Buffer.concat([decipher.update(buffer.subarray(ivBytes + tagBytes)), decipher.final()]);
  }

  async encryptJson(value: Record<string, string>): Promise<string> {
    return (await this.encrypt(Buffer.from(JSON.stringify(value), 'utf8'))).toString('base64');
  }

  async decryptJson(sealed: string): Promise<Record<string, string>> {
    return JSON.parse((await this.decrypt(Buffer.from(sealed, 'base64'))).toString('utf8'));
  }
}
