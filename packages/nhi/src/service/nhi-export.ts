import { guardCsvCell } from '@nhi/platform';
import { stringify } from 'csv-stringify/sync';
import type { CredentialKind, CredentialStatus } from './nhi-detail.ts';
import { credentialFactsSelect } from './nhi-detail-select.ts';

export type NhiExportFormat = 'csv' | 'json';

/** What an export reads from the database for each identity: one query per page, credentials included. */
export const nhiExportSelect = {
  id: true,
  kind: true,
  provider: true,
  externalId: true,
  name: true,
  description: true,
  owner: { select: { email: true } },
  environment: true,
  status: true,
  tags: true,
  permissions: true,
  metadata: true,
  providerCreatedAt: true,
  lastUsedAt: true,
  firstSeenAt: true,
  lastSeenAt: true,
  activeCredentialCount: true,
  oldestActiveCredentialAt: true,
  nextCredentialExpiresAt: true,
  sourceType: true,
  sourceRef: true,
  deletedAt: true,
  credentials: {
    select: credentialFactsSelect,
    // Mutable: Prisma's types refuse a readonly tuple here.
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] as { createdAt?: 'asc'; id?: 'asc' }[],
  },
} as const;

/** A credential as exported: its non-secret facts, in the shape an import accepts back. */
export interface ExportedCredential {
  kind: CredentialKind;
  fingerprint: string | null;
  hint: string | null;
  status: CredentialStatus;
  providerCreatedAt: string | null;
  lastRotatedAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/**
 * One identity as exported. The columns up to `credentials` are what an import reads back; the
 * rest are facts the hub keeps itself (observation times, credential summary, provenance), exported
 * for offline analysis and ignored by an import.
 */
export interface NhiExportRow {
  kind: string;
  provider: string;
  externalId: string;
  name: string;
  description: string | null;
  /** The owner's email; null for unowned. */
  owner: string | null;
  environment: string;
  status: string;
  tags: string[];
  permissions: unknown;
  metadata: unknown;
  providerCreatedAt: string | null;
  lastUsedAt: string | null;
  credentials: ExportedCredential[];
  id: string;
  firstSeenAt: string;
  lastSeenAt: string;
  activeCredentialCount: number;
  oldestActiveCredentialAt: string | null;
  nextCredentialExpiresAt: string | null;
  sourceType: string;
  sourceRef: string | null;
  deletedAt: string | null;
}

export const importedColumns = [
  'kind',
  'provider',
  'externalId',
  'name',
  'description',
  'owner',
  'environment',
  'status',
  'tags',
  'permissions',
  'metadata',
  'providerCreatedAt',
  'lastUsedAt',
  'credentials',
] as const satisfies readonly (keyof NhiExportRow)[];

export const informationalColumns = [
  'id',
  'firstSeenAt',
  'lastSeenAt',
  'activeCredentialCount',
  'oldestActiveCredentialAt',
  'nextCredentialExpiresAt',
  'sourceType',
  'sourceRef',
  'deletedAt',
] as const satisfies readonly (keyof NhiExportRow)[];

export const exportColumns: readonly (keyof NhiExportRow)[] = [...importedColumns, ...informationalColumns];

/** Separates tags in a CSV cell; tags cannot contain it. */
export const csvTagSeparator = ';';

type Selected = {
  id: string;
  kind: string;
  provider: string;
  externalId: string;
  name: string;
  description: string | null;
  owner: { email: string } | null;
  environment: string;
  status: string;
  tags: string[];
  permissions: unknown;
  metadata: unknown;
  providerCreatedAt: Date | null;
  lastUsedAt: Date | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  activeCredentialCount: number;
  oldestActiveCredentialAt: Date | null;
  nextCredentialExpiresAt: Date | null;
  sourceType: string;
  sourceRef: string | null;
  deletedAt: Date | null;
  credentials: {
    kind: CredentialKind;
    fingerprint: string | null;
    hint: string | null;
    status: CredentialStatus;
    providerCreatedAt: Date | null;
    lastRotatedAt: Date | null;
    expiresAt: Date | null;
    lastUsedAt: Date | null;
  }[];
};

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function toExportRow(row: Selected): NhiExportRow {
  return {
    kind: row.kind,
    provider: row.provider,
    externalId: row.externalId,
    name: row.name,
    description: row.description,
    owner: row.owner?.email ?? null,
    environment: row.environment,
    status: row.status,
    tags: row.tags,
    permissions: row.permissions,
    metadata: row.metadata,
    providerCreatedAt: iso(row.providerCreatedAt),
    lastUsedAt: iso(row.lastUsedAt),
    credentials: row.credentials.map((credential) => ({
      kind: credential.kind,
      fingerprint: credential.fingerprint,
      hint: credential.hint,
      status: credential.status,
      providerCreatedAt: iso(credential.providerCreatedAt),
      lastRotatedAt: iso(credential.lastRotatedAt),
      expiresAt: iso(credential.expiresAt),
      lastUsedAt: iso(credential.lastUsedAt),
    })),
    id: row.id,
    firstSeenAt: row.firstSeenAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    activeCredentialCount: row.activeCredentialCount,
    oldestActiveCredentialAt: iso(row.oldestActiveCredentialAt),
    nextCredentialExpiresAt: iso(row.nextCredentialExpiresAt),
    sourceType: row.sourceType,
    sourceRef: row.sourceRef,
    deletedAt: iso(row.deletedAt),
  };
}

// The formula guard lives in the platform: every CSV export of the hub uses it.
export { guardCsvCell, unguardCsvCell } from '@nhi/platform';

function csvCell(row: NhiExportRow, column: keyof NhiExportRow): string {
  const value = row[column];
  if (value === null || value === undefined) return '';
  if (column === 'tags') return (value as string[]).join(csvTagSeparator);
  if (column === 'credentials' && (value as unknown[]).length === 0) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** A header row, then one line per identity; lists and objects as JSON in their cell. */
export function renderCsv(rows: readonly NhiExportRow[]): string {
  const records = rows.map((row) => exportColumns.map((column) => guardCsvCell(csvCell(row, column))));
  return stringify([exportColumns as string[], ...records], { record_delimiter: '\n' });
}

export function renderJson(rows: readonly NhiExportRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

export const exportContentTypes: Record<NhiExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
};
