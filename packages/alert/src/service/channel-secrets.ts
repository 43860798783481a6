import { LOGGER, type Logger, PLATFORM_DATABASE, type PlatformDatabase, SealedSecrets } from '@nhi/platform';
import { inject, injectable } from 'tsyringe';

/** The InstanceSecret row holding the key that encrypts channel secrets. */
export const channelKeyName = 'alert-channel-key';

/**
 * What a channel must use and so cannot keep as a fingerprint: a webhook's signing secret, a
 * Slack webhook URL, an SMTP password; sealed under the installation's channel key.
 */
@injectable()
export class ChannelSecrets extends SealedSecrets {
  constructor(@inject(PLATFORM_DATABASE) db: PlatformDatabase, @inject(LOGGER) logger: Logger) {
    super(db, logger, { name: channelKeyName, description: 'the alert channel key' });
  }
}
