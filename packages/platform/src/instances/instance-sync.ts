import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { ForwardTokens } from '../auth/forward-tokens.ts';
import { FORWARD_TOKEN_HEADER } from '../auth/forwarded-calls.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { LOGGER } from '../di/tokens.ts';
import type { Logger } from '../logging/logger.ts';
import { REQUEST_ID_HEADER } from './instance-forwarder.ts';
import { type RealmSync, type RealmSyncResult, realmSyncPath } from './realm-sync.ts';

/** A sync is small (a realm's members); an instance that takes longer is treated as down. */
const syncTimeoutMs = 15_000;

export interface SyncedRealm {
  realm: string;
  instance: string;
  /** Undefined when the instance could not be reached: the next sync catches up. */
  result?: RealmSyncResult;
  error?: string;
}

interface PlacedRealm {
  id: string;
  slug: string;
  name: string;
  instance: { name: string; baseUrl: string };
}

/**
 * The hub's side of synchronisation: sends a worker the realm, its members and what the worker
 * needs of each (id, email, name, enabled), whole, after every change that concerns them and on
 * `nhi instance sync`. Whole state, so a lost or repeated sync is healed by the next one.
 */
@injectable()
export class InstanceSync {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(ForwardTokens) private readonly tokens: ForwardTokens,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The realm, when a worker serves it; nothing to do for the hub's own realms. */
  async syncRealm(realmId: string): Promise<SyncedRealm | undefined> {
    const realm = await this.placedRealms({ id: realmId });
    return realm[0] ? this.send(realm[0]) : undefined;
  }

  /** The realm's members to an instance before the realm is placed there (a move). */
  async syncRealmTo(realmId: string, instance: { name: string; baseUrl: string }): Promise<SyncedRealm> {
    const realm = await this.db.systemPrisma.realm.findUniqueOrThrow({
      where: { id: realmId },
      select: { id: true, slug: true, name: true },
    });
    return this.send({ ...realm, instance });
  }

  /** Every realm placed on the instance. */
  async syncInstance(instanceName: string): Promise<SyncedRealm[]> {
    const realms = await this.placedRealms({ instance: { name: instanceName } });
    return Promise.all(realms.map((realm) => this.send(realm)));
  }

  private async placedRealms(where: Record<string, unknown>): Promise<PlacedRealm[]> {
    const realms = await this.db.systemPrisma.realm.findMany({
      where: { ...where, instanceId: { not: null } },
      select: { id: true, slug: true, name: true, instance: { select: { name: true, baseUrl: true } } },
      orderBy: { slug: 'asc' },
    });
    return realms.filter((realm): realm is PlacedRealm => realm.instance !== null);
  }

  private async stateOf(realm: PlacedRealm): Promise<RealmSync> {
    const memberships = await this.db.systemPrisma.realmMembership.findMany({
      where: { realmId: realm.id },
      select: {
        role: true,
        user: { select: { id: true, email: true, displayName: true, disabledAt: true } },
      },
      orderBy: { userId: 'asc' },
    });
    return {
      realm: { id: realm.id, slug: realm.slug, name: realm.name },
      members: memberships.map(({ role, user }) => ({
        userId: user.id,
        email: user.email,
        displayName: user.displayName,
        disabled: user.disabledAt !== null,
        role,
      })),
    };
  }

  private async send(realm: PlacedRealm): Promise<SyncedRealm> {
    const requestId = randomUUID();
    const body = JSON.stringify(await this.stateOf(realm));
    const token = await this.tokens.issueForInstance(realm.instance.name, requestId);
    const outcome = { realm: realm.slug, instance: realm.instance.name };
    try {
      const response = await fetch(`${realm.instance.baseUrl}${realmSyncPath}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [FORWARD_TOKEN_HEADER]: token,
          [REQUEST_ID_HEADER]: requestId,
        },
        body,
        signal: AbortSignal.timeout(syncTimeoutMs),
      });
      if (!response.ok) {
        const reason = await response.text().catch(() => '');
        throw new Error(`answered ${response.status} ${reason.slice(0, 200)}`);
      }
      const result = (await response.json()) as RealmSyncResult;
      this.logger.info({ ...outcome, requestId, members: result.members }, 'realm synchronised to instance');
      return { ...outcome, result };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn({ ...outcome, requestId, reason }, 'realm synchronisation failed');
      return {
        ...outcome,
        error: `Instance ${realm.instance.name} did not take realm ${realm.slug}: ${reason}`,
      };
    }
  }
}
