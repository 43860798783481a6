import {
  parseInput,
  REALM_DB,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { z } from 'zod';
import { leakStates } from '../api/scanner.schema.ts';
import {
  type LeakExportRow,
  type LeakExportStatus,
  readLeakExportBatch,
  readLeakExportRules,
} from '../sql/leak-export.sql.ts';
import { type SarifProduct, sarifFooter, sarifHeader, toSarifResult } from './leak-sarif.ts';

/** What a leak export writes: SARIF 2.1.0, of the open, resolved or all leaks. */
export const leakExportInput = z.object({
  format: z.enum(['sarif']),
  status: z.enum(leakStates).default('all'),
});
export type LeakExportInput = z.input<typeof leakExportInput>;

export const leakExportMedia = { contentType: 'application/sarif+json', extension: 'sarif' } as const;

export const leakExportBatchSize = 1000;

/**
 * The leaks of the request's realm as one SARIF document, written in pieces: the header with the
 * detectors, then the results batch after batch (each batch its own short read), then the footer.
 * Only the leaks the caller's `leak:read` reaches; only masked matches and fingerprints, as stored.
 */
@injectable()
export class LeakExportService {
  constructor(
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  private get coverage() {
    return this.permissions.coverage('leak:read');
  }

  /** The leaks, in id order, `batchSize` at a time. */
  async *batches(status: LeakExportStatus, batchSize = leakExportBatchSize): AsyncGenerator<LeakExportRow[]> {
    let after: string | null = null;
    for (;;) {
      const page: { after: string | null; limit: number } = { after, limit: batchSize };
      const rows: LeakExportRow[] = await this.realmDb.read((query) =>
        readLeakExportBatch(query, this.realmDb.realmId, status, this.coverage, page),
      );
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1]?.id ?? null;
    }
  }

  /** The document as text chunks. The input is checked before the first: bad input is a ValidationError. */
  export(input: LeakExportInput, product: SarifProduct = {}, batchSize?: number): AsyncGenerator<string> {
    const { status } = parseInput(leakExportInput, input, 'leak export');
    return this.chunks(status, product, batchSize);
  }

  private async *chunks(status: LeakExportStatus, product: SarifProduct, batchSize?: number) {
    const rules = (
      await this.realmDb.read((query) =>
        readLeakExportRules(query, this.realmDb.realmId, status, this.coverage),
      )
    ).map((row) => row.rule);
    const indexOf = new Map(rules.map((rule, index) => [rule, index]));
    yield sarifHeader(rules, product);
    let first = true;
    for await (const rows of this.batches(status, batchSize)) {
      const results = rows.map((row) => JSON.stringify(toSarifResult(row, indexOf.get(row.rule) ?? -1)));
      yield `${first ? '' : ','}${results.join(',')}`;
      first = false;
    }
    yield sarifFooter;
  }
}
