import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LOGGER, type Logger, PLATFORM_DATABASE, type PlatformDatabase } from '@nhi/platform';
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
  private key: Promise<Buffer> | undefined;

  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  async encrypt(plain: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.loadKey(), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  async decrypt(sealed: string): Promise<string> {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unreadable channel secret');
    const decipher = createDecipheriv('aes-256-gcm', await this.loadKey(), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  private loadKey(): Promise<Buffer> {
    if (this.key) return this.key;
    const loading = this.readOrCreateKey();
    this.key = loading;
    loading.catch(() => {
      if (this.key === loading) this.key = undefined;
    });
    return loading;
  }

  private async readOrCreateKey(): Promise<Buffer> {
    // System code: the installation's key lives outside every realm, like the fingerprint key.
    const prisma = this.db.systemPrisma;
    const created = await prisma.instanceSecret.createMany({
      data: [{ name: channelKeyName, value: randomBytes(32).toString('base64') }],
      skipDuplicates: true,
    });
    if (created.count > 0) this.logger.info('generated the alert channel key');
    const row = await prisma.instanceSecret.findUniqueOrThrow({
      where: { name: channelKeyName },
      select: { value: true },
    });
    return Buffer.from(row.value, 'base64');
  }
}
