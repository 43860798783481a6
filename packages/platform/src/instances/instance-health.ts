import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, CONFIG } from '../di/tokens.ts';
import { heartbeatTimeoutMs } from './instance-monitor.ts';
import type { InstanceStatus } from './instance-registry.ts';

/** One worker instance as the hub's administrators see it: its record, its health, its realms. */
export interface InstanceHealth {
  name: string;
  baseUrl: string;
  status: InstanceStatus;
  version: string | null;
  lastHeartbeatAt: Date | null;
  /** Whole seconds since the last heartbeat, by the hub's clock; null when never heard from. */
  secondsSinceHeartbeat: number | null;
  /** Whether the heartbeat last found it answering, recently enough to still count. */
  up: boolean;
  /** The realms placed on it, by name. */
  realms: { slug: string; name: string }[];
}

interface HeartbeatRecord {
  status: InstanceStatus;
  lastHeartbeatAt: Date | null;
}

/**
 * Up as the heartbeat has recorded it: not marked down, and answered within two heartbeat
 * intervals (plus one probe's timeout). The age matters because `draining` is kept whether the
 * instance answers or not, and because a hub whose heartbeat has stopped leaves `active` behind.
 */
export function upOnRecord(instance: HeartbeatRecord, now: Date, heartbeatSeconds: number): boolean {
  if (instance.status === 'down' || !instance.lastHeartbeatAt) return false;
  const staleAfterMs = 2 * heartbeatSeconds * 1000 + heartbeatTimeoutMs;
  return now.getTime() - instance.lastHeartbeatAt.getTime() <= staleAfterMs;
}

function secondsSince(instant: Date | null, now: Date): number | null {
  if (!instant) return null;
  return Math.max(0, Math.floor((now.getTime() - instant.getTime()) / 1000));
}

const heartbeatColumns = { status: true, lastHeartbeatAt: true } as const;

/**
 * Reads the instance registry with what the heartbeat recorded. System code: instances and
 * placement are global, and only the hub's administrators (or the hub itself) ask.
 */
@injectable()
export class InstanceHealthReader {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(CONFIG) private readonly config: Config,
  ) {}

  /** Every registered instance by name, with the realms placed on it. */
  async list(): Promise<InstanceHealth[]> {
    const rows = await this.db.systemPrisma.instance.findMany({
      select: {
        name: true,
        baseUrl: true,
        version: true,
        ...heartbeatColumns,
        realms: { select: { slug: true, name: true }, orderBy: [{ name: 'asc' }, { slug: 'asc' }] },
      },
      orderBy: { name: 'asc' },
    });
    const now = this.clock.now();
    return rows.map((row) => ({
      ...row,
      secondsSinceHeartbeat: secondsSince(row.lastHeartbeatAt, now),
      up: this.isUp(row, now),
    }));
  }

  /** Of the named instances, those the heartbeat counts as up; an unknown name is not. */
  async upAmong(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.db.systemPrisma.instance.findMany({
      where: { name: { in: [...new Set(names)] } },
      select: { name: true, ...heartbeatColumns },
    });
    const now = this.clock.now();
    return new Set(rows.filter((row) => this.isUp(row, now)).map((row) => row.name));
  }

  private isUp(instance: HeartbeatRecord, now: Date): boolean {
    return upOnRecord(instance, now, this.config.NHI_INSTANCE_HEARTBEAT_SECONDS);
  }
}
