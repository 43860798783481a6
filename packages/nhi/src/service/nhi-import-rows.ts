import {
  describeUnsafeText,
  findUnsafeText,
  isStorableDate,
  storableDateMessage,
  type UnsafeText,
} from '@nhi/platform/input';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { credentialKind, credentialStatus, nhiChanges, nhiKind, nhiProvider } from '../api/nhi.schema.ts';
import {
  csvTagSeparator,
  exportColumns,
  informationalColumns,
  type NhiExportFormat,
  unguardCsvCell,
} from './nhi-export.ts';

/** A row that cannot be imported: its line (CSV: line in the file, header = 1; JSON: array index + 1). */
export interface ImportRowError {
  line: number;
  reason: string;
}

/**
 * Empty cells (CSV) and nulls (JSON) mean the same: no description, no owner, no tags. Enumerations
 * left empty and a missing column mean "as it is" (a default for a new identity).
 */
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

const date = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim() : value),
  z
    .string()
    .transform((text, ctx) => {
      const parsed = new Date(text);
      if (Number.isNaN(parsed.getTime())) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a date (use ISO 8601)` });
        return z.NEVER;
      }
      if (!isStorableDate(parsed)) {
        ctx.addIssue({ code: 'custom', message: `"${text}": ${storableDateMessage}` });
        return z.NEVER;
      }
      return parsed;
    })
    .nullable(),
);

/** A list or object, given as itself (JSON) or as JSON text in a cell (CSV). */
function jsonValue<T extends z.ZodType>(schema: T, whenEmpty: unknown) {
  return z.preprocess((value, ctx) => {
    if (value === null) return whenEmpty;
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }, schema);
}

const importedCredential = z.strictObject({
  kind: credentialKind,
  /** Fingerprints and hints only: an import never carries a secret. */
  fingerprint: nullable(
    z
      .string()
      .regex(/^[a-f0-9]{64}$/, 'must be 64 lowercase hex characters (HMAC-SHA256)')
      .optional(),
  ),
  hint: nullable(z.string().max(64).optional()),
  status: credentialStatus.default('active'),
  providerCreatedAt: date.optional(),
  lastRotatedAt: date.optional(),
  expiresAt: date.optional(),
  lastUsedAt: date.optional(),
});

/** An empty cell of a required column reads as missing, not as an empty string. */
const required = <T extends z.ZodType>(schema: T) => z.preprocess((value) => value ?? undefined, schema);

export const importRow = z.object({
  kind: required(nhiKind),
  provider: required(nhiProvider),
  externalId: required(z.string().trim().min(1).max(512)),
  name: required(z.string().trim().min(1).max(256)),
  description: nullable(z.string().max(4000)).optional(),
  /** The owner's email; a member of the realm, checked against the database. */
  owner: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
      nullable(z.email('must be an email address')),
    )
    .optional(),
  environment: z.preprocess((value) => value ?? undefined, nhiChanges.shape.environment),
  status: z.preprocess((value) => value ?? undefined, nhiChanges.shape.status),
  tags: z
    .preprocess(
      (value) =>
        value === null
          ? []
          : typeof value === 'string'
            ? value
                .split(csvTagSeparator)
                .map((tag) => tag.trim())
                .filter(Boolean)
            : value,
      nhiChanges.shape.tags.unwrap(),
    )
    .optional(),
  permissions: jsonValue(nhiChanges.shape.permissions.unwrap(), []).optional(),
  metadata: jsonValue(nhiChanges.shape.metadata.unwrap(), {}).optional(),
  providerCreatedAt: date.optional(),
  lastUsedAt: date.optional(),
  /** Credentials to add or update; an import never removes one. */
  credentials: jsonValue(z.array(importedCredential).max(100).optional(), undefined).optional(),
  /** Read back only to notice a row that means a deleted identity. */
  deletedAt: date.optional(),
});

export type ImportRow = z.output<typeof importRow>;
export type ImportedCredential = z.output<typeof importedCredential>;

export interface ParsedImport {
  rows: { line: number; row: ImportRow }[];
  /** Rows that failed validation. */
  errors: ImportRowError[];
  /** The file as a whole cannot be read: no row is usable. */
  unreadable: boolean;
}

const knownColumns = new Set<string>(exportColumns);
const requiredColumns = ['kind', 'provider', 'externalId', 'name'] as const;
const ignoredColumns = new Set<string>(informationalColumns.filter((column) => column !== 'deletedAt'));

/**
 * Rows validated between two turns of the event loop: a file of tens of thousands of rows takes
 * seconds to check, and the process answers other requests (health probes) meanwhile.
 */
const rowsPerTurn = 200;

/** Reads and validates every row of an import file in the export's shape. */
export async function parseImportFile(format: NhiExportFormat, content: string): Promise<ParsedImport> {
  const records = format === 'csv' ? csvRecords(content) : jsonRecords(content);
  if ('error' in records) return { rows: [], errors: [records.error], unreadable: true };
  const rows: ParsedImport['rows'] = [];
  const errors: ImportRowError[] = [];
  const seen = new Map<string, number>();
  for (const [index, raw] of records.records.entries()) {
    if (index > 0 && index % rowsPerTurn === 0) await new Promise((resolve) => setImmediate(resolve));
    const { line } = raw;
    if ('reason' in raw) {
      errors.push(raw);
      continue;
    }
    const parsed = importRow.safeParse(raw.record);
    // Checked on the cells as read and again once JSON cells (permissions, metadata) are decoded.
    const unsafe = findUnsafeText(raw.record) ?? (parsed.success ? findUnsafeText(parsed.data) : undefined);
    if (unsafe) {
      errors.push({ line, reason: describeUnsafeCell(unsafe) });
      continue;
    }
    if (!parsed.success) {
      errors.push({ line, reason: describeIssues(parsed.error) });
      continue;
    }
    const key = `${parsed.data.provider}\u0000${parsed.data.externalId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({
        line,
        reason: `${parsed.data.provider} ${parsed.data.externalId} is already on line ${first}`,
      });
      continue;
    }
    seen.set(key, line);
    rows.push({ line, row: parsed.data });
  }
  return { rows, errors, unreadable: false };
}

function describeUnsafeCell(unsafe: UnsafeText): string {
  const { path, message } = describeUnsafeText(unsafe);
  return `${path.join('.')}: ${message}`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** A record to validate, or the reason it cannot even be read as one. */
type RawRecord = { line: number; record: Record<string, unknown> } | { line: number; reason: string };
type Records = { records: RawRecord[] } | { error: ImportRowError };

function checkColumns(columns: string[], line: number): ImportRowError | undefined {
  const unknown = columns.filter((column) => !knownColumns.has(column));
  if (unknown.length > 0) {
    return { line, reason: `Unknown column(s): ${unknown.join(', ')}. Known: ${exportColumns.join(', ')}` };
  }
  const missing = requiredColumns.filter((column) => !columns.includes(column));
  if (missing.length > 0) return { line, reason: `Missing column(s): ${missing.join(', ')}` };
  return undefined;
}

const lineBreaks = /\n/g;

function csvRecords(content: string): Records {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    // One kind of line break: the parser counts a CRLF inside quotes as two lines.
    parsed = parseCsv(content.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return { error: { line, reason: `Not readable as CSV: ${(error as Error).message}` } };
  }
  const [header, ...body] = parsed;
  if (!header) return { error: { line: 1, reason: 'The file is empty: expected a header row' } };
  const columns = header.record.map((column) => column.trim());
  const columnError = checkColumns(columns, 1);
  if (columnError) return { error: columnError };
  const duplicate = columns.find((column, index) => columns.indexOf(column) !== index);
  if (duplicate) return { error: { line: 1, reason: `Column ${duplicate} appears twice` } };

  const records: RawRecord[] = [];
  for (const { record, info } of body) {
    // info.lines is where the record ends; quoted cells may span lines.
    const spanned = record.reduce((sum, cell) => sum + (cell.match(lineBreaks)?.length ?? 0), 0);
    const line = info.lines - spanned;
    if (record.length !== columns.length) {
      records.push({ line, reason: `Has ${record.length} cells; the header has ${columns.length}` });
      continue;
    }
    const values: Record<string, unknown> = {};
    columns.forEach((column, index) => {
      if (ignoredColumns.has(column)) return;
      const cell = unguardCsvCell(record[index] ?? '');
      values[column] = cell.trim() === '' ? null : cell;
    });
    records.push({ line, record: values });
  }
  return { records };
}

function jsonRecords(content: string): Records {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    return { error: { line: 1, reason: `Not readable as JSON: ${(error as Error).message}` } };
  }
  if (!Array.isArray(parsed)) {
    return { error: { line: 1, reason: 'Expected a JSON array of identities, as an export writes it' } };
  }
  return {
    records: parsed.map((item, index) => {
      const line = index + 1;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        return { line, reason: 'Not an object' };
      }
      const unknown = Object.keys(item).filter((key) => !knownColumns.has(key));
      if (unknown.length > 0) return { line, reason: `Unknown field(s): ${unknown.join(', ')}` };
      const record: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(item)) {
        if (!ignoredColumns.has(key)) record[key] = value;
      }
      return { line, record };
    }),
  };
}
