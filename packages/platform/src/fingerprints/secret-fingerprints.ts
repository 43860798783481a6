import { createHmac } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CONFIG, LOGGER } from '../di/tokens.ts';
import type { Logger } from '../logging/logger.ts';
import { InstanceKey } from './instance-key.ts';

/** The InstanceSecret row that holds the generated key when NHI_FINGERPRINT_KEY is unset. */
export const fingerprintKeyName = 'credential-fingerprint-key';

const awsAccessKeyId = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
/** Shorter secrets would give away too large a share of themselves in four characters. */
const minimumLengthForHint = 12;

/**
 * Recognises secrets without keeping them: a fingerprint is HMAC-SHA256 of the secret under one
 * key per installation, so the same secret gives the same fingerprint in every realm (a leak found
 * later, or a key reused across environments, matches), while a stolen database alone cannot be
 * used to test guesses. The key comes from NHI_FINGERPRINT_KEY or is generated once and kept in the
 * global InstanceSecret table (system data, outside any realm).
 */
@injectable()
export class SecretFingerprints {
  private readonly key: InstanceKey;

  constructor(
    @inject(CONFIG) config: Config,
    @inject(PLATFORM_DATABASE) db: PlatformDatabase,
    @inject(LOGGER) logger: Logger,
  ) {
    this.key = new InstanceKey(db, logger, {
      name: fingerprintKeyName,
      description: 'the credential fingerprint key',
      configured: () =>
        config.NHI_FINGERPRINT_KEY ? Buffer.from(config.NHI_FINGERPRINT_KEY, 'base64') : undefined,
    });
  }

  /** Lowercase hex HMAC-SHA256 of the secret. */
  async fingerprint(secret: string): Promise<string> {
    const key = await this.key.load();
    return createHmac('sha256', key).update(secret, 'utf8').digest('hex');
  }

  /**
   * A short, non-secret reminder of which secret this is: an AWS access key id is an identifier,
   * shown whole; otherwise "…" and the last four characters; nothing for short secrets.
   */
  hintOf(secret: string): string | null {
    const trimmed = secret.trim();
    if (awsAccessKeyId.test(trimmed)) return trimmed;
    if (trimmed.length < minimumLengthForHint) return null;
    return `…${trimmed.slice(-4)}`;
  }
}
