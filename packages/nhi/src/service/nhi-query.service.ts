import {
  type Coverage,
  coveredGroupsWhere,
  coveredOwnerWhere,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmQuery,
  type RequestContext,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { type ExportNhiInput, exportNhiInput, type ListNhiInput, listNhiInput } from '../api/nhi.schema.ts';
import {
  countList,
  type ListNhiFilter,
  type NhiListItem,
  nhiListConditions,
  queryThrough,
  readListPage,
  sortValueOf,
} from '../sql/nhi-list.sql.ts';
import { findSearchMatches } from '../sql/nhi-search.sql.ts';
import {
  decodeCursor,
  encodeCursor,
  type ListPosition,
  type SortColumn,
  type SortDirection,
} from './nhi-cursor.ts';
import {
  exportContentTypes,
  type NhiExportFormat,
  type NhiExportRow,
  nhiExportSelect,
  renderCsv,
  renderJson,
  toExportRow,
} from './nhi-export.ts';

export type { NhiListItem };

export interface NhiListPage {
  items: NhiListItem[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** How many identities match the filter, over all pages. */
  total: number;
}

export interface NhiExport {
  format: NhiExportFormat;
  filename: string;
  contentType: string;
  body: string;
}

/** Rows read per query while exporting: bounds each query, credentials included. */
const exportPageSize = 1000;

/** Reads the inventory of the request's realm: the filtered, sorted, paged list and its exports. */
export interface RealmMember {
  id: string;
  email: string;
}

/** A group of the realm that may own identities as a team. */
export interface OwnerGroup {
  id: string;
  name: string;
}

export interface NhiOwnerChoices {
  members: RealmMember[];
  groups: OwnerGroup[];
}

/** What the caller may do here: the pages hide what would only be refused. */
export interface InventoryAbilities {
  write: boolean;
  delete: boolean;
  import: boolean;
  /** Accept or reject ownership suggestions. */
  decideOwners: boolean;
}

/** Around every inventory page: who can own an identity, what the caller may do, and "now". */
export interface InventoryContext extends NhiOwnerChoices {
  can: InventoryAbilities;
  /**
   * The server's clock: ages and expiry badges are computed from it, so the page renders the
   * same on the server and in the browser, whatever the browser's clock says.
   */
  asOf: Date;
}

@injectable()
export class NhiQueryService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** The identities the caller may read: the realm's, or a scoped member's teams' (ADR 0040). */
  private get readCoverage(): Coverage {
    return this.permissions.coverage('nhi:read');
  }

  /** The list's conditions, with the search index's matches among the covered identities. */
  private async conditionsIn(query: RealmQuery, filter: ListNhiFilter, now: Date) {
    const realmId = this.context.realm.id;
    const coverage = this.readCoverage;
    const matches = await findSearchMatches(query, filter.q, undefined, { realmId, coverage });
    return nhiListConditions(realmId, coverage, filter, now, matches);
  }

  /** A page of the covered identities matching the filter; the total counts those only. */
  async list(input: ListNhiInput): Promise<NhiListPage> {
    const { sort, direction, limit, cursor, ...filter } = parseInput(listNhiInput, input, 'inventory filter');
    const after = cursor ? decodeCursor(cursor, sort, direction) : undefined;
    const now = this.context.clock.now();
    const conditionsIn = (query: RealmQuery) => this.conditionsIn(query, filter, now);
    // Independent reads: on PostgreSQL the page and the total (over every matching row, the slower
    // half) run side by side on two pooled connections, each asking the search index itself rather
    // than waiting for a third; PGlite runs them one after the other.
    const [rows, total] = await Promise.all([
      this.realmDb.read(async (query) =>
        readListPage(query, await conditionsIn(query), sort, direction, after, limit + 1),
      ),
      this.realmDb.read(async (query) => countList(query, await conditionsIn(query))),
    ]);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor(sort, direction, { value: sortValueOf(sort, last), id: last.id })
        : null;
    return { items, nextCursor, total };
  }

  /**
   * Who may own an identity here: the realm's members by email, its groups by name. A scoped
   * member is offered the teams they read, not every group: no other owner team is theirs to
   * pick, filter by or learn the name of.
   */
  async ownerChoices(): Promise<NhiOwnerChoices> {
    const coverage = this.readCoverage;
    return this.realmDb.transaction(async (tx) => {
      const members = await tx.realmMembership.findMany({
        select: { user: { select: { id: true, email: true } } },
        orderBy: { user: { email: 'asc' } },
      });
      const groups = await tx.policyGroup.findMany({
        where: coveredGroupsWhere(coverage),
        select: { id: true, name: true },
      });
      return {
        members: members.map(({ user }) => user),
        groups: groups.sort((a, b) => a.name.localeCompare(b.name)),
      };
    });
  }

  /** Every covered identity matching the filter (not one page), in the list's sort order. */
  async exportRows(input: ExportNhiInput): Promise<NhiExport> {
    const { format, sort, direction, ...filter } = parseInput(exportNhiInput, input, 'export filter');
    const rows = await this.readAll(filter, sort, direction);
    const stamp = this.context.clock
      .now()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return {
      format,
      filename: `nhi-inventory-${this.context.realm.slug}-${stamp}.${format}`,
      contentType: exportContentTypes[format],
      body: format === 'csv' ? renderCsv(rows) : renderJson(rows),
    };
  }

  private async readAll(
    filter: ListNhiFilter,
    sort: SortColumn,
    direction: SortDirection,
  ): Promise<NhiExportRow[]> {
    // One transaction: the export is a consistent picture even while others edit.
    return this.realmDb.transaction(
      async (tx) => {
        const query = queryThrough(tx);
        const conditions = await this.conditionsIn(query, filter, this.context.clock.now());
        const rows: NhiExportRow[] = [];
        let after: ListPosition | undefined;
        for (;;) {
          const page = await readListPage(query, conditions, sort, direction, after, exportPageSize);
          const details = await tx.nhi.findMany({
            where: { id: { in: page.map((item) => item.id) }, ...coveredOwnerWhere(conditions.coverage) },
            select: { ...nhiExportSelect, id: true },
          });
          const byId = new Map(details.map((row) => [row.id, row]));
          for (const item of page) {
            const row = byId.get(item.id);
            if (row) rows.push(toExportRow(row));
          }
          const last = page.at(-1);
          if (page.length < exportPageSize || !last) return rows;
          after = { value: sortValueOf(sort, last), id: last.id };
        }
      },
      { timeout: 120_000 },
    );
  }
}
