import {
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  type RealmDb,
  type RealmTx,
  type RequestContext,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { type ExportNhiInput, exportNhiInput, type ListNhiInput, listNhiInput } from './nhi.schema.ts';
import {
  decodeCursor,
  encodeCursor,
  type ListPosition,
  type SortColumn,
  type SortDirection,
  segmentsAfter,
  sortValueOf,
} from './nhi-cursor.ts';
import type { NhiEnvironment, NhiKind, NhiOwner, NhiProvider, NhiStatus } from './nhi-detail.ts';
import {
  exportContentTypes,
  type NhiExportFormat,
  type NhiExportRow,
  nhiExportSelect,
  renderCsv,
  renderJson,
  toExportRow,
} from './nhi-export.ts';
import { type ListNhiFilter, type NhiOrderBy, type NhiWhere, nhiListWhere } from './nhi-list-filters.ts';
import { findSearchMatches } from './nhi-search.ts';

/** One row of the inventory table. */
export interface NhiListItem {
  id: string;
  kind: NhiKind;
  provider: NhiProvider;
  externalId: string;
  name: string;
  environment: NhiEnvironment;
  status: NhiStatus;
  tags: string[];
  /** null: nobody answers for it ("unowned"). */
  owner: NhiOwner | null;
  lastUsedAt: Date | null;
  lastSeenAt: Date;
  firstSeenAt: Date;
  updatedAt: Date;
  version: number;
  activeCredentialCount: number;
  oldestActiveCredentialAt: Date | null;
  nextCredentialExpiresAt: Date | null;
  deletedAt: Date | null;
}

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

const listSelect = {
  id: true,
  kind: true,
  provider: true,
  externalId: true,
  name: true,
  environment: true,
  status: true,
  tags: true,
  owner: { select: { id: true, email: true } },
  lastUsedAt: true,
  lastSeenAt: true,
  firstSeenAt: true,
  updatedAt: true,
  version: true,
  activeCredentialCount: true,
  oldestActiveCredentialAt: true,
  nextCredentialExpiresAt: true,
  deletedAt: true,
} as const;

/** Rows read per query while exporting: bounds each query, credentials included. */
const exportPageSize = 1000;

/** Reads the inventory of the request's realm: the filtered, sorted, paged list and its exports. */
@injectable()
export class NhiQueryService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
  ) {}

  async list(input: ListNhiInput): Promise<NhiListPage> {
    const { sort, direction, limit, cursor, ...filter } = parseInput(listNhiInput, input, 'inventory filter');
    const after = cursor ? decodeCursor(cursor, sort, direction) : undefined;
    const now = this.context.clock.now();
    const whereIn = async (tx: RealmTx) => nhiListWhere(filter, now, await findSearchMatches(tx, filter.q));
    // Independent reads: on PostgreSQL the page and the total (over every matching row, the slower
    // half) run side by side on two pooled connections, each asking the search index itself rather
    // than waiting for a third; PGlite runs them one after the other.
    const [rows, total] = await Promise.all([
      this.realmDb.transaction(async (tx) => {
        const where = await whereIn(tx);
        return readSorted(
          (query) => tx.nhi.findMany({ ...query, select: listSelect }),
          where,
          sort,
          direction,
          after,
          limit + 1,
        );
      }),
      this.realmDb.transaction(async (tx) => tx.nhi.count({ where: await whereIn(tx) })),
    ]);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor(sort, direction, { value: sortValueOf(sort, last), id: last.id })
        : null;
    return { items, nextCursor, total };
  }

  /** Every identity matching the filter (not one page), in the list's sort order. */
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
        const searchMatches = await findSearchMatches(tx, filter.q);
        const where = nhiListWhere(filter, this.context.clock.now(), searchMatches);
        const rows: NhiExportRow[] = [];
        let after: ListPosition | undefined;
        for (;;) {
          const page = await readSorted(
            (query) => tx.nhi.findMany({ ...query, select: exportSortSelect }),
            where,
            sort,
            direction,
            after,
            exportPageSize,
          );
          rows.push(...page.map(toExportRow));
          const last = page.at(-1);
          if (page.length < exportPageSize || !last) return rows;
          after = { value: sortValueOf(sort, last), id: last.id };
        }
      },
      { timeout: 120_000 },
    );
  }
}

/** The export's fields plus what positions a row in any sort order. */
const exportSortSelect = {
  ...nhiExportSelect,
  owner: { select: { email: true } },
  updatedAt: true,
} as const;

interface SegmentQuery {
  where: NhiWhere;
  orderBy: NhiOrderBy[];
  take: number;
}

/**
 * Up to `take` rows of the sorted list after `after`, crossing from the rows with a sort value
 * into those without one when the first run out.
 */
async function readSorted<Row>(
  find: (query: SegmentQuery) => Promise<Row[]>,
  where: NhiWhere,
  sort: SortColumn,
  direction: SortDirection,
  after: ListPosition | undefined,
  take: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const segment of segmentsAfter(sort, direction, after)) {
    rows.push(
      ...(await find({
        where: { AND: [where, segment.where] },
        orderBy: segment.orderBy,
        take: take - rows.length,
      })),
    );
    if (rows.length >= take) break;
  }
  return rows;
}
