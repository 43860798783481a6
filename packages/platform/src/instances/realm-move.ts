import { inject, injectable } from 'tsyringe';
import { writeAuditEntry } from '../auth/audit-entry.ts';
import { ForwardTokens } from '../auth/forward-tokens.ts';
import type { Clock, Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK } from '../di/tokens.ts';
import { ConflictError, NotFoundError, UnavailableError } from '../errors/domain-errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { InstanceSync } from './instance-sync.ts';
import { LocalRealmEnd, type RealmEnd, RemoteRealmEnd } from './realm-move-ops.ts';
import { type RealmPage, RealmStore, type RealmTableRole } from './realm-store.ts';

/** `--to hub`: the hub serves the realm itself again. */
export const hubTarget = 'hub';

export interface RealmMoveOptions {
  /** How long to wait for the realm's scans to end before copying. Default 120. */
  waitSeconds?: number;
  /** Rows per page; a page is also kept under pageBytes of JSON. Default 1000. */
  pageRows?: number;
  pageBytes?: number;
  /** Each step, as it starts, for the operator. */
  onStep?: (message: string) => void;
}

export interface MovedTable {
  table: string;
  role: RealmTableRole;
  source: number;
  /** Rows of the realm in the target after the copy (audit: added to what it held). */
  target: number;
}

export interface RealmMoveReport {
  realm: string;
  from: string;
  to: string;
  tables: MovedTable[];
  /** Steps after the switch that did not succeed: the move stands, these need a hand. */
  warnings: string[];
}

interface TableInfo {
  name: string;
  role: RealmTableRole;
  selfReferences: string[];
}

/** Pages of one table, kept aside. */
type KeptRows = { table: TableInfo; pages: string[] }[];

const mover: Principal = { kind: 'system', name: 'realm-move' };
const scanPollMs = 1_000;
/** Under the 2 MB body limit of instance endpoints once the page is quoted into the request. */
const defaultPageBytes = 900_000;

/**
 * `nhi realm move`: copies a realm's rows from the end that serves it (the hub's database or a
 * worker) to another, table by table in pages, then switches the hub's placement. The realm is
 * read-only meanwhile (the hub refuses its changes); a failure before the switch leaves the
 * source as it was and removes the target's partial copy.
 */
@injectable()
export class RealmMover {
  private readonly store: RealmStore;

  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(ForwardTokens) private readonly tokens: ForwardTokens,
    @inject(InstanceSync) private readonly sync: InstanceSync,
    @inject(CLOCK) private readonly clock: Clock,
  ) {
    this.store = new RealmStore(db);
  }

  async move(slug: string, to: string, options: RealmMoveOptions = {}): Promise<RealmMoveReport> {
    const step = options.onStep ?? (() => {});
    const realm = await this.db.systemPrisma.realm.findUnique({
      where: { slug },
      select: {
        id: true,
        slug: true,
        name: true,
        createdAt: true,
        movingTo: true,
        instance: { select: { name: true, baseUrl: true } },
      },
    });
    if (!realm) throw new NotFoundError('Realm', slug);
    if (realm.movingTo) throw new ConflictError(`Realm ${slug} is already being moved to ${realm.movingTo}`);
    const source = this.endOf(realm.instance);
    const target = await this.targetOf(to);
    if (source.name === target.end.name) throw new ConflictError(`Realm ${slug} is already served by ${to}`);

    step(`Realm ${slug} is read-only while it moves from ${source.name} to ${target.end.name}`);
    await this.markMoving(realm.id, to);
    let prepared = false;
    let kept: KeptRows = [];
    let tables: MovedTable[];
    try {
      await this.waitForScans(source, realm.id, slug, options.waitSeconds ?? 120, step);
      // From here on the source's jobs hold off the realm and its events stay put: the copy reads
      // a realm nobody writes. (Scans had to be able to end until now.)
      await this.startCopy(realm.id);
      if (!source.isHub) await source.call({ op: 'freeze', realmId: realm.id, movingTo: to });
      if (target.instance) {
        step(`Sending the realm's members to ${target.end.name}`);
        const synced = await this.sync.syncRealmTo(realm.id, target.instance);
        if (synced.error) throw new UnavailableError(synced.error);
      }
      // The hub's own policy copy is replaced by the source's; kept aside (it is small: groups and
      // policies of one realm) to be put back should the copy fail.
      if (target.end.isHub) kept = await this.keepPolicies(target.end, realm.id);
      step(`Preparing ${target.end.name}`);
      const before = await target.end.call<Record<string, number>>({
        op: 'prepare',
        realm: { id: realm.id, slug: realm.slug, name: realm.name, createdAt: realm.createdAt },
        movingTo: to,
      });
      prepared = true;
      tables = await this.copy(source, target.end, realm.id, before, options, step);
    } catch (error) {
      step(`Move failed; undoing it: ${error instanceof Error ? error.message : String(error)}`);
      await this.undo(source, target.end, realm.id, prepared, kept);
      throw error;
    }

    step(`Switching realm ${slug} to ${target.end.name}`);
    await this.switchPlacement(realm.id, source.name, target);
    const warnings: string[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        warnings.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    if (target.instance) {
      await attempt('members not sent again', async () => {
        const synced = await this.sync.syncRealm(realm.id);
        if (synced?.error) throw new Error(synced.error);
      });
    }
    await attempt(`${target.end.name} did not start serving the realm`, () =>
      target.end.call({ op: 'finish', realmId: realm.id }),
    );
    step(`Removing the realm's rows from ${source.name}`);
    await attempt(`rows left on ${source.name}`, () => source.call({ op: 'remove', realmId: realm.id }));
    await this.clearMoving(realm.id);
    return { realm: slug, from: source.name, to: target.end.name, tables, warnings };
  }

  private endOf(instance: { name: string; baseUrl: string } | null): RealmEnd {
    if (!instance) return new LocalRealmEnd(this.store, () => this.clock.now());
    return new RemoteRealmEnd(instance.name, instance.baseUrl, this.tokens);
  }

  private async targetOf(to: string) {
    if (to === hubTarget) return { end: this.endOf(null), instance: undefined, instanceId: null };
    const instance = await this.db.systemPrisma.instance.findUnique({
      where: { name: to },
      select: { id: true, name: true, baseUrl: true, status: true },
    });
    if (!instance) throw new NotFoundError('Instance', to);
    if (instance.status !== 'active')
      throw new ConflictError(`Instance ${to} is ${instance.status}: it takes no realms`);
    return { end: this.endOf(instance), instance, instanceId: instance.id };
  }

  private async waitForScans(
    source: RealmEnd,
    realmId: string,
    slug: string,
    waitSeconds: number,
    step: (message: string) => void,
  ): Promise<void> {
    const deadline = Date.now() + waitSeconds * 1000;
    let active = await source.call<number>({ op: 'activeScans', realmId });
    if (active > 0) step(`Waiting up to ${waitSeconds} s for ${active} scan(s) of realm ${slug} to end`);
    while (active > 0) {
      if (Date.now() >= deadline) {
        throw new ConflictError(
          `${active} scan(s) of realm ${slug} still running after ${waitSeconds} s; nothing was moved. ` +
            'Try again once they end, or give more --wait-seconds.',
          { activeScans: active },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, scanPollMs));
      active = await source.call<number>({ op: 'activeScans', realmId });
    }
  }

  private async copy(
    source: RealmEnd,
    target: RealmEnd,
    realmId: string,
    before: Record<string, number>,
    options: RealmMoveOptions,
    step: (message: string) => void,
  ): Promise<MovedTable[]> {
    const tables = (await source.call<TableInfo[]>({ op: 'tables' })).filter((t) => t.role !== 'hub');
    const counts = await source.call<Record<string, number>>({ op: 'counts', realmId });
    for (const table of tables) {
      let copied = 0;
      await this.eachPage(source, realmId, table.name, options, async (rows) => {
        copied += await target.call<number>({ op: 'import', realmId, table: table.name, rows });
      });
      if (table.selfReferences.length > 0) {
        await this.eachPage(source, realmId, table.name, options, (rows) =>
          target.call({ op: 'import', realmId, table: table.name, rows, pass: 'links' }),
        );
      }
      step(`Copied ${table.name}: ${copied} row(s)`);
    }
    const after = await target.call<Record<string, number>>({ op: 'counts', realmId });
    const moved = tables.map((t) => ({
      table: t.name,
      role: t.role,
      source: counts[t.name] ?? 0,
      target: (after[t.name] ?? 0) - (t.role === 'audit' ? (before[t.name] ?? 0) : 0),
    }));
    const differing = moved.filter((t) => t.source !== t.target);
    if (differing.length > 0) {
      const list = differing.map((t) => `${t.table} ${t.source} → ${t.target}`).join(', ');
      throw new ConflictError(`Row counts differ after the copy: ${list}`);
    }
    return moved;
  }

  /** Pages of at most pageRows rows and pageBytes of JSON: a large page is asked for again, halved. */
  private async eachPage(
    source: RealmEnd,
    realmId: string,
    table: string,
    options: Pick<RealmMoveOptions, 'pageRows' | 'pageBytes'>,
    each: (rows: string) => Promise<unknown>,
  ): Promise<void> {
    const maxBytes = options.pageBytes ?? defaultPageBytes;
    let limit = options.pageRows ?? 1000;
    let after: string | null = null;
    for (;;) {
      const page: RealmPage = await source.call({ op: 'export', realmId, table, after, limit });
      if (page.count === 0) return;
      if (Buffer.byteLength(page.rows) > maxBytes && page.count > 1) {
        limit = Math.max(1, Math.floor(page.count / 2));
        continue;
      }
      await each(page.rows);
      after = page.last;
      if (page.count < limit) return;
    }
  }

  private async keepPolicies(hub: RealmEnd, realmId: string): Promise<KeptRows> {
    const tables = (await hub.call<TableInfo[]>({ op: 'tables' })).filter((t) => t.role === 'policy');
    const kept: KeptRows = [];
    for (const table of tables) {
      const pages: string[] = [];
      await this.eachPage(hub, realmId, table.name, {}, async (rows) => {
        pages.push(rows);
      });
      kept.push({ table, pages });
    }
    return kept;
  }

  /** Back to where the move started: the source serves, nothing of the copy stays at the target. */
  private async undo(source: RealmEnd, target: RealmEnd, realmId: string, prepared: boolean, kept: KeptRows) {
    try {
      if (prepared) {
        if (target.isHub) await this.removeCopiedAudit(source, target, realmId);
        await target.call({ op: 'purge', realmId });
        for (const pass of ['rows', 'links'] as const) {
          for (const { table, pages } of kept) {
            if (pass === 'links' && table.selfReferences.length === 0) continue;
            for (const rows of pages)
              await target.call({ op: 'import', realmId, table: table.name, rows, pass });
          }
        }
      }
    } finally {
      try {
        if (!source.isHub) await source.call({ op: 'unfreeze', realmId });
      } finally {
        await this.clearMoving(realmId);
      }
    }
  }

  /** The hub held audit rows of the realm before the copy: only those the copy brought go. */
  private async removeCopiedAudit(source: RealmEnd, target: RealmEnd, realmId: string) {
    const audit = (await source.call<TableInfo[]>({ op: 'tables' })).filter((t) => t.role === 'audit');
    for (const table of audit) {
      let after: string | null = null;
      for (;;) {
        const page: RealmPage = await source.call({
          op: 'export',
          realmId,
          table: table.name,
          after,
          limit: 1000,
        });
        if (page.count === 0) break;
        const ids = (JSON.parse(page.rows) as { id: string }[]).map((row) => row.id);
        await target.call({ op: 'removeAudit', realmId, ids });
        after = page.last;
      }
    }
  }

  /**
   * The hub's mark, and a new policy epoch: credentials cached with the realm's placement are
   * checked again, so every process sees the realm read-only from the next call on.
   */
  private async markMoving(realmId: string, to: string) {
    await this.db.systemPrisma.$transaction(async (tx) => {
      const marked = await tx.realm.updateMany({
        where: { id: realmId, movingTo: null },
        data: { movingTo: to },
      });
      if (marked.count === 0) throw new ConflictError('The realm is already being moved');
      await bumpPolicyEpoch(tx, realmId);
    });
  }

  private async startCopy(realmId: string) {
    await this.db.systemPrisma.realm.update({
      where: { id: realmId },
      data: { movingSince: this.clock.now() },
      select: { id: true },
    });
  }

  private async clearMoving(realmId: string) {
    await this.db.systemPrisma.$transaction(async (tx) => {
      await tx.realm.update({ where: { id: realmId }, data: { movingTo: null, movingSince: null } });
      await bumpPolicyEpoch(tx, realmId);
    });
  }

  private async switchPlacement(
    realmId: string,
    from: string,
    target: { end: RealmEnd; instanceId: string | null },
  ) {
    await this.db.systemPrisma.$transaction(async (tx) => {
      await tx.realm.update({ where: { id: realmId }, data: { instanceId: target.instanceId } });
      await bumpPolicyEpoch(tx, realmId);
      await writeAuditEntry(tx, {
        realmId,
        actor: mover,
        action: 'realm.move',
        entityType: 'Realm',
        entityId: realmId,
        before: { instance: from },
        after: { instance: target.end.name },
      });
    });
  }
}

async function bumpPolicyEpoch(tx: Prisma.TransactionClient, realmId: string) {
  await tx.$executeRaw`UPDATE "PolicyEpoch" SET epoch = epoch + 1 WHERE "realmId" = ${realmId}`;
}
