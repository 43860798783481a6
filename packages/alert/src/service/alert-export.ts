import {
  parseInput,
  REALM_DB,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AlertExportFormat,
  type AlertExportInput,
  alertExportInput,
} from '../api/alert-export.schema.ts';
import {
  type AlertExportFilter,
  type AlertExportRow,
  readAlertExportBatch,
} from '../sql/alert-export.sql.ts';
import { alertCsvHeader, toAlertCsvLine } from './alert-csv.ts';
import { type ExportProduct, toOcsfDetectionFinding } from './alert-ocsf.ts';

/** Alerts per statement: large enough for throughput, small enough that memory holds one batch. */
export const alertExportBatchSize = 1000;

/**
 * The alerts of the request's realm as a stream of text: OCSF Detection Finding events (one JSON
 * object per line) or CSV. Reads the alerts the caller's `alert:read` reaches, batch after batch,
 * each batch its own short read, so an export of 100k alerts holds neither 100k rows nor a
 * transaction open for its whole length.
 */
@injectable()
export class AlertExportService {
  constructor(
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** The alerts, in id order, `batchSize` at a time. */
  async *batches(
    filter: AlertExportFilter,
    batchSize = alertExportBatchSize,
  ): AsyncGenerator<AlertExportRow[]> {
    const coverage = this.permissions.coverage('alert:read');
    let after: string | null = null;
    for (;;) {
      const page: { after: string | null; limit: number } = { after, limit: batchSize };
      const rows: AlertExportRow[] = await this.realmDb.read(
        (query) => readAlertExportBatch(query, this.realmDb.realmId, filter, coverage, page),
        { parallelWorkers: false },
      );
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1]?.id ?? null;
    }
  }

  /**
   * The export as text chunks, one per batch; a CSV starts with its header. The input is checked
   * here, before the first chunk: bad input is a ValidationError, not a broken stream.
   */
  export(input: AlertExportInput, product: ExportProduct = {}, batchSize?: number): AsyncGenerator<string> {
    const { format, ...filter } = parseInput(alertExportInput, input, 'alert export');
    return this.chunks(format, filter, product, batchSize);
  }

  private async *chunks(
    format: AlertExportFormat,
    filter: AlertExportFilter,
    product: ExportProduct,
    batchSize?: number,
  ): AsyncGenerator<string> {
    if (format === 'csv') yield alertCsvHeader;
    for await (const rows of this.batches(filter, batchSize)) {
      yield format === 'csv'
        ? rows.map(toAlertCsvLine).join('')
        : rows.map((row) => `${JSON.stringify(toOcsfDetectionFinding(row, product))}\n`).join('');
    }
  }
}
