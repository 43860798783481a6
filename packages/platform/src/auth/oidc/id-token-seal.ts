import { inject, injectable } from 'tsyringe';
import type { PlatformDatabase } from '../../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../../database/tokens.ts';
import { LOGGER } from '../../di/tokens.ts';
import { SealedSecrets } from '../../fingerprints/sealed-secrets.ts';
import type { Logger } from '../../logging/logger.ts';

/** The InstanceSecret row holding the key that seals ID tokens kept with sessions. */
export const idTokenKeyName = 'session-id-token-key';

/**
 * A provider's ID token, kept with the session it started because logging out at the provider
 * takes it as `id_token_hint`. It grants nothing at the hub, but it is a signed statement about a
 * person that other parties may trust: sealed, never stored in clear.
 */
@injectable()
export class IdTokenSeal extends SealedSecrets {
  constructor(@inject(PLATFORM_DATABASE) db: PlatformDatabase, @inject(LOGGER) logger: Logger) {
    super(db, logger, { name: idTokenKeyName, description: 'the key that seals ID tokens kept for logout' });
  }
}
