import { inject, injectable } from 'tsyringe';
import { writeAuditEntry } from '../auth/audit-entry.ts';
import type { RealmSummary } from '../auth/auth.service.ts';
import { insertRealm, isUniqueViolation } from '../auth/realm-admin-writes.ts';
import type { Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors/domain-errors.ts';

export type InstanceStatus = 'active' | 'draining' | 'down';

export interface InstanceSummary {
  id: string;
  name: string;
  baseUrl: string;
  status: InstanceStatus;
  version: string | null;
  lastHeartbeatAt: Date | null;
  createdAt: Date;
}

export interface InstanceListing extends InstanceSummary {
  /** How many realms are placed on the instance. */
  realmCount: number;
}

const instanceColumns = {
  id: true,
  name: true,
  baseUrl: true,
  status: true,
  version: true,
  lastHeartbeatAt: true,
  createdAt: true,
} as const;

/** Same shape as realm slugs: safe in URLs, CLI arguments and log lines. */
const instanceNameShape = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

const operator: Principal = { kind: 'system', name: 'instance-registry' };

function validateName(name: string): void {
  if (!instanceNameShape.test(name)) {
    throw new ValidationError('Invalid instance', [
      {
        path: ['name'],
        message:
          'Use 1-40 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
      },
    ]);
  }
}

/** An http(s) origin with an optional path prefix, without query, fragment, credentials or trailing slash. */
export function normaliseBaseUrl(baseUrl: string): string {
  const invalid = (message: string) =>
    new ValidationError('Invalid instance', [{ path: ['baseUrl'], message }]);
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid('Not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('Use http or https');
  if (url.username || url.password) throw invalid('Leave credentials out of the URL');
  if (url.search || url.hash) throw invalid('Leave query and fragment out of the URL');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The hub's registry of worker instances and of which realms they serve. System code (unscoped
 * client): instances are global, and placement is decided by the operator. Placement is recorded
 * only; nothing routes on it here.
 */
@injectable()
export class InstanceRegistry {
  constructor(@inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase) {}

  async add(input: { name: string; baseUrl: string }): Promise<InstanceSummary> {
    validateName(input.name);
    const baseUrl = normaliseBaseUrl(input.baseUrl);
    try {
      return await this.db.systemPrisma.instance.create({
        data: { name: input.name, baseUrl },
        select: instanceColumns,
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`An instance named "${input.name}" already exists`, { name: input.name });
      throw error;
    }
  }

  async list(): Promise<InstanceListing[]> {
    const rows = await this.db.systemPrisma.instance.findMany({
      select: { ...instanceColumns, _count: { select: { realms: true } } },
      orderBy: { name: 'asc' },
    });
    return rows.map(({ _count, ...instance }) => ({ ...instance, realmCount: _count.realms }));
  }

  /** The instance by name; NOT_FOUND when no such instance is registered. */
  async get(name: string): Promise<InstanceSummary> {
    const instance = await this.db.systemPrisma.instance.findUnique({
      where: { name },
      select: instanceColumns,
    });
    if (!instance) throw new NotFoundError('Instance', name);
    return instance;
  }

  /** Refuses while realms are placed on the instance: their data lives there. */
  async remove(name: string): Promise<void> {
    await this.db.systemPrisma.$transaction(async (tx) => {
      const instance = await tx.instance.findUnique({
        where: { name },
        select: { id: true, _count: { select: { realms: true } } },
      });
      if (!instance) throw new NotFoundError('Instance', name);
      if (instance._count.realms > 0) {
        throw new ConflictError(`Instance "${name}" still serves ${instance._count.realms} realm(s)`, {
          name,
          realms: instance._count.realms,
        });
      }
      await tx.instance.delete({ where: { id: instance.id }, select: { id: true } });
    });
  }

  /** Creates a realm served by the named instance; only an active instance takes new realms. */
  async createRealmOn(
    input: { slug: string; name: string },
    instanceName: string,
    actor: Principal = operator,
  ): Promise<RealmSummary & { instance: InstanceSummary }> {
    try {
      return await this.db.systemPrisma.$transaction(async (tx) => {
        const instance = await tx.instance.findUnique({
          where: { name: instanceName },
          select: instanceColumns,
        });
        if (!instance) throw new NotFoundError('Instance', instanceName);
        if (instance.status !== 'active') {
          throw new ConflictError(
            `Instance "${instanceName}" is ${instance.status}: it takes no new realms`,
            {
              name: instanceName,
              status: instance.status,
            },
          );
        }
        const realm = await insertRealm(tx, input, actor);
        await tx.realm.update({
          where: { id: realm.id },
          data: { instanceId: instance.id },
          select: { id: true },
        });
        await writeAuditEntry(tx, {
          realmId: realm.id,
          actor,
          action: 'realm.place',
          entityType: 'Realm',
          entityId: realm.id,
          after: { instance: instance.name },
        });
        return { ...realm, instance };
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`A realm with slug "${input.slug}" already exists`);
      throw error;
    }
  }

  /** The instance that serves the realm, or null when the hub serves it itself. */
  async placementOf(realmId: string): Promise<InstanceSummary | null> {
    const realm = await this.db.systemPrisma.realm.findUnique({
      where: { id: realmId },
      select: { instance: { select: instanceColumns } },
    });
    if (!realm) throw new NotFoundError('Realm', realmId);
    return realm.instance;
  }
}
