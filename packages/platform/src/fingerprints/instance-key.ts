import { randomBytes } from 'node:crypto';
import type { PlatformDatabase } from '../database/platform-database.ts';
import type { Logger } from '../logging/logger.ts';

export interface InstanceKeyOptions {
  /** The InstanceSecret row holding the generated key. */
  name: string;
  /** For the log line when the key is generated, e.g. "the credential fingerprint key". */
  description: string;
  /** The key from configuration, when set: it wins over the stored one. */
  configured?: () => Buffer | undefined;
}

/**
 * One key for the whole installation: configured, or generated once and kept in the global
 * InstanceSecret table (system data, outside any realm, so a copy of the realm tables alone does
 * not reveal it). Read once per process; a failed read (database down) is tried again next time.
 */
export class InstanceKey {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly db: PlatformDatabase,
    private readonly logger: Logger,
    private readonly options: InstanceKeyOptions,
  ) {}

  load(): Promise<Buffer> {
    if (this.key) return this.key;
    const loading = this.readOrCreate();
    this.key = loading;
    loading.catch(() => {
      if (this.key === loading) this.key = undefined;
    });
    return loading;
  }

  private async readOrCreate(): Promise<Buffer> {
    const configured = this.options.configured?.();
    if (configured) return configured;
    const prisma = this.db.systemPrisma;
    // Several processes may start at once: the first insert wins and everyone reads the winner.
    const created = await prisma.instanceSecret.createMany({
      data: [{ name: this.options.name, value: randomBytes(32).toString('base64') }],
      skipDuplicates: true,
    });
    if (created.count > 0) this.logger.info(`generated ${this.options.description}`);
    const row = await prisma.instanceSecret.findUniqueOrThrow({
      where: { name: this.options.name },
      select: { value: true },
    });
    return Buffer.from(row.value, 'base64');
  }
}
