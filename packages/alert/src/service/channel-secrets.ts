import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InstanceKey, LOGGER, type Logger, PLATFORM_DATABASE, type PlatformDatabase } from '@nhi/platform';
import { inject, injectable } from 'tsyringe';

/** The InstanceSecret row holding the key that encrypts channel secrets. */
export const channelKeyName = 'alert-channel-key';

/**
 * Encrypts what a channel must use and so cannot keep as a fingerprint: a webhook's signing
 * secret, a Slack webhook URL, an SMTP password. AES-256-GCM under one key per installation,
 * generated once and kept in the global InstanceSecret table (system data), so a copy of the realm
 * tables alone does not reveal them. Format: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
@injectable()
export class ChannelSecrets {
  private readonly key: InstanceKey;

  constructor(@inject(PLATFORM_DATABASE) db: PlatformDatabase, @inject(LOGGER) logger: Logger) {
    this.key = new InstanceKey(db, logger, { name: channelKeyName, description: 'the alert channel key' });
  }

  async encrypt(plain: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.key.load(), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  async decrypt(sealed: string): Promise<string> {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unreadable channel secret');
    const decipher = createDecipheriv('aes-256-gcm', await this.key.load(), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
