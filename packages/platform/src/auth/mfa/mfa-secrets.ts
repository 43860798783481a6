import { inject, injectable } from 'tsyringe';
import type { PlatformDatabase } from '../../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../../database/tokens.ts';
import { LOGGER } from '../../di/tokens.ts';
import { SealedSecrets } from '../../fingerprints/sealed-secrets.ts';
import type { Logger } from '../../logging/logger.ts';

/** The InstanceSecret row holding the key that seals TOTP secrets. */
export const totpKeyName = 'mfa-totp-key';

/**
 * TOTP secrets are read back to check codes, so they cannot be hashed: sealed under a key of
 * their own, so a copy of the User table alone does not reveal them.
 */
@injectable()
export class MfaSecrets extends SealedSecrets {
  constructor(@inject(PLATFORM_DATABASE) db: PlatformDatabase, @inject(LOGGER) logger: Logger) {
    super(db, logger, { name: totpKeyName, description: 'the TOTP secret key' });
  }
}
