import type { PlatformDatabase } from '../database/platform-database.ts';
import { ConflictError, ValidationError } from '../errors/domain-errors.ts';
import { Prisma } from '../generated/prisma/client.ts';

/**
 * How a move treats each table that carries `realmId`. Every such table of the database takes part:
 * the list is read from the catalog, so a table added later moves without being named here.
 * - `hub`: people and their credentials stay with the hub (memberships follow by InstanceSync).
 * - `policy`: every database holding the realm row holds a copy (a trigger seeds it with the
 *   realm); the source's copy replaces the target's, and the hub keeps its own as a source, since
 *   it checks hub-only procedures against it.
 * - `outbox`: pending domain events; the target's (its `realm.created`) are replaced by the source's.
 * - `audit`: both sides may hold rows of the realm (the hub records people changes for placed
 *   realms); the source's are added to the target's.
 * - `moved`: the target must hold none; the source's rows are copied, then deleted at the source.
 */
export type RealmTableRole = 'hub' | 'policy' | 'outbox' | 'audit' | 'moved';

const namedRoles: Record<string, RealmTableRole> = {
  RealmMembership: 'hub',
  ApiToken: 'hub',
  ScimToken: 'hub',
  ScimUser: 'hub',
  PolicyEpoch: 'policy',
  Policy: 'policy',
  PolicyGroup: 'policy',
  PolicyGroupMember: 'policy',
  PolicyAssignment: 'policy',
  DomainEvent: 'outbox',
  AuditLog: 'audit',
};

export function realmTableRole(table: string): RealmTableRole {
  return namedRoles[table] ?? 'moved';
}

export interface RealmTable {
  name: string;
  role: RealmTableRole;
  /** Stored columns (generated ones are computed again where the row lands). */
  columns: string[];
  primaryKey: string[];
  /**
   * Columns that point at another row of the same table (a group's parent): written in a second
   * pass, once every row of the table is there, since no order of pages is sure to put parents first.
   */
  selfReferences: string[];
}

/** `rows` inserts a page with its self-references left empty; `links` fills them in afterwards. */
export type ImportPass = 'rows' | 'links';

export interface RealmPage {
  /** The rows as PostgreSQL renders them in JSON: passed on as text, so no value goes through a JS number. */
  rows: string;
  count: number;
  /** The last row's primary key (JSON), for the next page; null when the page is empty. */
  last: string | null;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoted(name: string): string {
  if (!identifier.test(name)) throw new Error(`Unexpected identifier ${name}`);
  return `"${name}"`;
}

function columnList(names: string[], alias?: string): Prisma.Sql {
  return Prisma.raw(names.map((name) => (alias ? `${alias}.${quoted(name)}` : quoted(name))).join(', '));
}

/**
 * One end of a realm move, in this process's database: reads the realm table by table in pages,
 * writes pages, counts, and removes. System code: rows of one realm are copied whole, so the
 * statements run on the unscoped client (the tables' owner, which row-level security lets pass),
 * each with an explicit realm filter.
 */
export class RealmStore {
  private tablesCache?: Promise<RealmTable[]>;

  constructor(private readonly db: PlatformDatabase) {}

  private get prisma() {
    return this.db.systemPrisma;
  }

  /** Every table with `realmId`, parents before children (foreign keys between them). */
  tables(): Promise<RealmTable[]> {
    this.tablesCache ??= this.readTables();
    return this.tablesCache;
  }

  private async readTables(): Promise<RealmTable[]> {
    const columns = await this.prisma.$queryRaw<{ table: string; column: string; key: number | null }[]>`
      SELECT c.relname AS "table", a.attname AS "column",
        array_position(i.indkey::int2[], a.attnum)::int AS "key"
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE c.relkind = 'r' AND EXISTS (
        SELECT 1 FROM pg_attribute r WHERE r.attrelid = c.oid AND r.attname = 'realmId' AND NOT r.attisdropped)
      ORDER BY c.relname, a.attnum`;
    const keys = await this.prisma.$queryRaw<{ child: string; parent: string; columns: string[] }[]>`
      SELECT child.relname AS child, parent.relname AS parent,
        ARRAY(SELECT a.attname::text FROM pg_attribute a
          WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey) AND a.attname <> 'realmId') AS columns
      FROM pg_constraint k
      JOIN pg_class child ON child.oid = k.conrelid
      JOIN pg_class parent ON parent.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = child.relnamespace AND n.nspname = current_schema()
      WHERE k.contype = 'f'`;
    const tables = new Map<string, RealmTable>();
    for (const row of columns) {
      let table = tables.get(row.table);
      if (!table) {
        table = {
          name: row.table,
          role: realmTableRole(row.table),
          columns: [],
          primaryKey: [],
          selfReferences: [],
        };
        tables.set(row.table, table);
      }
      table.columns.push(row.column);
    }
    for (const row of columns.filter((r) => r.key !== null).sort((a, b) => (a.key ?? 0) - (b.key ?? 0))) {
      tables.get(row.table)?.primaryKey.push(row.column);
    }
    for (const key of keys.filter((k) => k.child === k.parent)) {
      tables.get(key.child)?.selfReferences.push(...key.columns);
    }
    return parentsFirst([...tables.values()], keys);
  }

  async table(name: string): Promise<RealmTable> {
    const table = (await this.tables()).find((t) => t.name === name);
    if (!table) throw new ValidationError(`${name} is not a realm table`);
    return table;
  }

  /** Marks the realm as being copied away from here: its jobs wait and its events stay put. */
  async freeze(realmId: string, movingTo: string, now: Date): Promise<void> {
    await this.prisma.realm.update({
      where: { id: realmId },
      data: { movingTo, movingSince: now },
      select: { id: true },
    });
  }

  async unfreeze(realmId: string): Promise<void> {
    await this.prisma.realm.updateMany({
      where: { id: realmId },
      data: { movingTo: null, movingSince: null },
    });
  }

  /** Scans that have not ended: the copy must not start under one. */
  async activeScans(realmId: string): Promise<number> {
    return this.prisma.scan.count({ where: { realmId, state: { in: ['queued', 'running'] } } });
  }

  /** Up to `limit` rows after `after` (a primary key from the previous page), in primary-key order. */
  async exportPage(realmId: string, name: string, after: string | null, limit: number): Promise<RealmPage> {
    const table = await this.table(name);
    const t = Prisma.raw(quoted(table.name));
    const key = columnList(table.primaryKey, 't');
    const keyObject = Prisma.raw(
      `json_build_object(${table.primaryKey.map((c) => `'${c}', t.${quoted(c)}`).join(', ')})`,
    );
    const cursor = after
      ? Prisma.sql`AND (${columnList(table.primaryKey, 's')}) > (SELECT ${columnList(table.primaryKey, 'c')}
          FROM json_populate_record(NULL::${t}, ${after}::json) c)`
      : Prisma.empty;
    const [page] = await this.prisma.$queryRaw<{ rows: string; count: number; last: string | null }[]>`
      SELECT coalesce(json_agg(row_to_json(t) ORDER BY ${key}), '[]')::text AS rows,
        count(*)::int AS count,
        (array_agg(${keyObject} ORDER BY ${key} DESC))[1]::text AS last
      FROM (SELECT ${columnList(table.columns, 's')} FROM ${t} s
        WHERE s."realmId" = ${realmId} ${cursor}
        ORDER BY ${columnList(table.primaryKey, 's')} LIMIT ${limit}) t`;
    return page ?? { rows: '[]', count: 0, last: null };
  }

  /**
   * Writes one page (as exportPage rendered it) in one transaction. A row of another realm is
   * refused: the page is the realm's and nothing else.
   */
  async importPage(realmId: string, name: string, rows: string, pass: ImportPass = 'rows'): Promise<number> {
    const table = await this.table(name);
    if (table.role === 'hub') throw new ValidationError(`${name} stays with the hub`);
    const t = Prisma.raw(quoted(table.name));
    const links = new Set(table.selfReferences);
    return this.prisma.$transaction(async (tx) => {
      const [check] = await tx.$queryRaw<{ foreign: number }[]>`
        SELECT count(*) FILTER (WHERE r."realmId" IS DISTINCT FROM ${realmId})::int AS foreign
        FROM json_populate_recordset(NULL::${t}, ${rows}::json) r`;
      if (!check || check.foreign > 0) throw new ValidationError('The page holds rows of another realm');
      if (pass === 'links') {
        if (links.size === 0) return 0;
        const set = Prisma.raw([...links].map((c) => `${quoted(c)} = r.${quoted(c)}`).join(', '));
        const match = Prisma.raw(
          table.primaryKey.map((c) => `t.${quoted(c)} = r.${quoted(c)}`).join(' AND '),
        );
        return tx.$executeRaw`
          UPDATE ${t} t SET ${set} FROM json_populate_recordset(NULL::${t}, ${rows}::json) r
          WHERE t."realmId" = ${realmId} AND ${match}`;
      }
      const values = Prisma.raw(
        table.columns.map((c) => (links.has(c) ? `NULL AS ${quoted(c)}` : `r.${quoted(c)}`)).join(', '),
      );
      return tx.$executeRaw`
        INSERT INTO ${t} (${columnList(table.columns)})
        SELECT ${values} FROM json_populate_recordset(NULL::${t}, ${rows}::json) r`;
    });
  }

  /** Rows of the realm per table. */
  async counts(realmId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of await this.tables()) {
      const [row] = await this.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM ${Prisma.raw(quoted(table.name))} WHERE "realmId" = ${realmId}`;
      counts[table.name] = row?.n ?? 0;
    }
    return counts;
  }

  /**
   * Makes this database ready to take the realm: the realm row exists and is marked, the copies
   * the source replaces (policies, pending events) are gone, and no moved table holds a row of it.
   * Refused otherwise, before anything is written.
   */
  async prepareTarget(
    realm: { id: string; slug: string; name: string; createdAt: Date },
    movingTo: string,
    now: Date,
  ): Promise<Record<string, number>> {
    const tables = await this.tables();
    const counts = await this.counts(realm.id);
    const occupied = tables.filter((t) => t.role === 'moved' && (counts[t.name] ?? 0) > 0);
    if (occupied.length > 0) {
      const list = occupied.map((t) => `${t.name} (${counts[t.name]})`).join(', ');
      throw new ConflictError(`The target already holds rows of realm ${realm.slug}: ${list}`, {
        tables: occupied.map((t) => t.name),
      });
    }
    await this.prisma.$transaction(async (tx) => {
      const existing = await tx.realm.findUnique({ where: { id: realm.id }, select: { slug: true } });
      if (!existing) {
        await tx.realm.create({
          data: { ...realm, movingTo, movingSince: now },
          select: { id: true },
        });
      } else {
        if (existing.slug !== realm.slug)
          throw new ConflictError(`The target knows realm ${realm.id} as ${existing.slug}`);
        await tx.realm.update({ where: { id: realm.id }, data: { movingTo, movingSince: now } });
      }
      for (const table of [...tables].reverse()) {
        if (table.role === 'policy' || table.role === 'outbox')
          await tx.$executeRaw`DELETE FROM ${Prisma.raw(quoted(table.name))} WHERE "realmId" = ${realm.id}`;
      }
    });
    return this.counts(realm.id);
  }

  /**
   * The realm's rows of the given roles, children first. `auditIds` (pages of ids) limits the
   * audit rows removed to those a failed copy brought.
   */
  async removeRows(realmId: string, roles: RealmTableRole[], auditIds?: string[]): Promise<void> {
    const tables = (await this.tables()).filter((t) => roles.includes(t.role)).reverse();
    await this.prisma.$transaction(async (tx) => {
      for (const table of tables) {
        const t = Prisma.raw(quoted(table.name));
        if (table.role === 'audit' && auditIds)
          await tx.$executeRaw`DELETE FROM ${t} WHERE "realmId" = ${realmId} AND id = ANY(${auditIds}::text[])`;
        else await tx.$executeRaw`DELETE FROM ${t} WHERE "realmId" = ${realmId}`;
      }
    });
  }

  /** A worker's copy of the realm, whole (the realm row cascades to every realm table). */
  async dropRealm(realmId: string): Promise<void> {
    await this.prisma.realm.deleteMany({ where: { id: realmId } });
  }

  /**
   * The realm is served here from now on: the mark goes and `realm.created` tells the domains
   * that keep per-realm schedules to add this realm's.
   */
  async finishTarget(realmId: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.realm.update({ where: { id: realmId }, data: { movingTo: null, movingSince: null } });
      await tx.domainEvent.create({
        data: { realmId, type: 'realm.created', subjectIds: [realmId] },
        select: { id: true },
      });
    });
  }
}

/** Parents before children; a table's reference to itself is left to the order of its rows. */
function parentsFirst(tables: RealmTable[], keys: { child: string; parent: string }[]): RealmTable[] {
  const names = new Set(tables.map((t) => t.name));
  const parents = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set()]));
  for (const { child, parent } of keys) {
    if (child !== parent && names.has(child) && names.has(parent)) parents.get(child)?.add(parent);
  }
  const ordered: RealmTable[] = [];
  const placed = new Set<string>();
  const remaining = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  while (remaining.length > 0) {
    const index = remaining.findIndex((t) => [...(parents.get(t.name) ?? [])].every((p) => placed.has(p)));
    if (index < 0)
      throw new Error(`Realm tables reference each other in a cycle: ${remaining.map((t) => t.name)}`);
    const [next] = remaining.splice(index, 1);
    if (!next) break;
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}
