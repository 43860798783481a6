import { randomUUID } from 'node:crypto';
import {
  analyzeAfterBulkWrite,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  runAsWork,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { type ImportNhiInput, importNhiInput } from '../api/nhi.schema.ts';
import { refreshCredentialSummary } from '../sql/nhi-credential-summary.sql.ts';
import { lockNhis } from '../sql/nhi-locks.sql.ts';
import {
  diffSnapshots,
  type JsonValue,
  type NhiChange,
  nhiSnapshotSelect,
  recordCredentialChange,
  recordCredentialChanges,
  recordNhiChanges,
  snapshotOf,
} from './nhi-change-log.ts';
import { credentialFactsSelect } from './nhi-detail-select.ts';
import {
  type ImportedCredential,
  type ImportRow,
  type ImportRowError,
  parseImportFile,
} from './nhi-import-rows.ts';

export interface NhiImportResult {
  /** false: nothing was written (some row is invalid and skipInvalid was not set, or the file is unreadable). */
  imported: boolean;
  created: number;
  updated: number;
  /** Rows identical to what the inventory already holds. */
  unchanged: number;
  /** Invalid rows left out because skipInvalid was set. */
  skipped: number;
  /** Every invalid row with its line and why, in line order. */
  errors: ImportRowError[];
}

/** Rows per statement when reading or inserting in bulk. */
const batchSize = 1000;
/**
 * Rows written per transaction. A large file is many short transactions, not one long one: on the
 * embedded database (one session) a request waits for the slice in progress, never for the file.
 */
export const sliceRows = 250;
/** A slice takes well under a second; this leaves room on a machine busy with other work. */
const sliceTimeoutMs = 120_000;
/** A slice may queue behind other work (an evaluation, other requests) on the embedded database. */
const sliceMaxWaitMs = 60_000;

const existingSelect = {
  id: true,
  version: true,
  owner: { select: { email: true } },
  ...nhiSnapshotSelect,
  credentials: {
    select: { id: true, ...credentialFactsSelect },
  },
} as const;

type Existing = Awaited<ReturnType<typeof readExisting>>[number];
type ParsedRow = { line: number; row: ImportRow };
type ExistingCredential = Existing['credentials'][number];

/** A new identity's versioned fields. */
interface NewIdentity {
  kind: ImportRow['kind'];
  provider: ImportRow['provider'];
  externalId: string;
  name: string;
  description: string | null;
  ownerUserId: string | null;
  /** Imports name a person as owner; an owner group is chosen in the hub. */
  ownerGroupId: null;
  environment: NonNullable<ImportRow['environment']>;
  status: NonNullable<ImportRow['status']>;
  tags: string[];
  permissions: JsonValue[];
  metadata: { [key: string]: JsonValue };
  sourceType: string;
  sourceRef: string | null;
  providerCreatedAt: Date | null;
  lastUsedAt: Date | null;
  deletedAt: null;
}

/** The tables an import writes, whose statistics a large import refreshes. */
const importTables = ['Nhi', 'Credential', 'NhiVersion'];

/**
 * Imports identities from a file in the export's shape. Every row is checked before anything is
 * written, and one bad row writes nothing unless skipInvalid. Rows upsert by provider + externalId
 * in slices of sliceRows, each slice one transaction, each created or changed identity with a
 * version and an audit row, each credential change with an audit row. A failure part-way (the
 * database stopping) keeps the slices already written; importing the file again completes it and
 * changes nothing twice.
 */
@injectable()
export class NhiImportService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
  ) {}

  async import(input: ImportNhiInput): Promise<NhiImportResult> {
    const result = await this.importRows(input);
    // After the commit: a large import leaves the planner with the statistics of a smaller table.
    await analyzeAfterBulkWrite(this.database, importTables, result.created + result.updated);
    return result;
  }

  private async importRows(input: ImportNhiInput): Promise<NhiImportResult> {
    const { format, content, skipInvalid } = parseInput(importNhiInput, input, 'import');
    const parsed = await parseImportFile(format, content);
    const nothing = { imported: false, created: 0, updated: 0, unchanged: 0, skipped: 0 };
    if (parsed.unreadable) return { ...nothing, errors: parsed.errors };

    const members = await this.realmDb.transaction((tx) => membersByEmail(tx, parsed.rows));
    const errors = [...parsed.errors, ...(await this.check(parsed.rows, members))];
    errors.sort((a, b) => a.line - b.line);
    if (errors.length > 0 && !skipInvalid) return { ...nothing, errors };

    const failed = new Set(errors.map((error) => error.line));
    const rows = parsed.rows.filter(({ line }) => !failed.has(line));
    const total = { created: 0, updated: 0, unchanged: 0 };
    for (let start = 0; start < rows.length; start += sliceRows) {
      // Bulk work: requests get the embedded database's session first, and the slices carry on
      // (with the jobs' statement timeout) should the caller stop waiting half-way.
      const slice = await runAsWork({ kind: 'job' }, () =>
        this.realmDb.transaction((tx) => this.writeSlice(tx, rows.slice(start, start + sliceRows), members), {
          timeout: sliceTimeoutMs,
          maxWait: sliceMaxWaitMs,
        }),
      );
      total.created += slice.created;
      total.updated += slice.updated;
      total.unchanged += slice.unchanged;
      errors.push(...slice.errors);
    }
    errors.sort((a, b) => a.line - b.line);
    return { imported: true, ...total, skipped: errors.length, errors };
  }

  /** Every row against what the realm holds now, before anything is written: why each bad one cannot be imported. */
  private async check(rows: ParsedRow[], members: Map<string, string>): Promise<ImportRowError[]> {
    const errors: ImportRowError[] = [];
    for (let start = 0; start < rows.length; start += batchSize) {
      const batch = rows.slice(start, start + batchSize);
      const current = await this.realmDb.transaction((tx) => currentKinds(tx, batch));
      for (const { line, row } of batch) {
        const reason = problemWith(row, current.get(keyOf(row)), members);
        if (reason) errors.push({ line, reason });
      }
    }
    return errors;
  }

  /**
   * One slice of the file in its own transaction: its identities locked and read again (another
   * change may have come in since the check), then written. A row that became invalid meanwhile
   * is left out and reported.
   */
  private async writeSlice(tx: RealmTx, slice: ParsedRow[], members: Map<string, string>) {
    const ids = await existingIds(tx, slice);
    await lockNhis(tx, this.realmDb.realmId, ids);
    const byKey = new Map((await readExisting(tx, ids)).map((row) => [keyOf(row), row]));
    const errors: ImportRowError[] = [];
    const valid: { row: ImportRow; current: Existing | undefined }[] = [];
    for (const { line, row } of slice) {
      const current = byKey.get(keyOf(row));
      const reason = problemWith(row, current, members);
      if (reason) errors.push({ line, reason });
      else valid.push({ row, current });
    }
    return { ...(await this.write(tx, valid, members)), errors };
  }

  private async write(
    tx: RealmTx,
    rows: { row: ImportRow; current: Existing | undefined }[],
    members: Map<string, string>,
  ) {
    const now = this.context.clock.now();
    const changes: NhiChange[] = [];
    const creates: (NewIdentity & { id: string })[] = [];
    const credentialPlans: { nhiId: string; current: ExistingCredential[]; wanted: ImportedCredential[] }[] =
      [];
    let updated = 0;
    let unchanged = 0;

    for (const { row, current } of rows) {
      if (!current) {
        const created = { id: randomUUID(), ...newIdentity(row, members) };
        creates.push(created);
        changes.push({
          nhiId: created.id,
          version: 1,
          action: 'nhi.import',
          before: null,
          after: snapshotOf(created),
        });
        if (row.credentials?.length)
          credentialPlans.push({ nhiId: created.id, current: [], wanted: row.credentials });
        continue;
      }
      const fields = changedFields(row, current, members);
      const before = snapshotOf(current);
      const after = snapshotOf({ ...current, ...fields });
      const identityChanged = Object.keys(diffSnapshots(before, after)).length > 0;
      const credentialsChanged = row.credentials?.some(
        (credential) => !sameAsSome(credential, current.credentials),
      );
      if (!identityChanged && !credentialsChanged) {
        unchanged++;
        continue;
      }
      updated++;
      if (row.credentials?.length)
        credentialPlans.push({ nhiId: current.id, current: current.credentials, wanted: row.credentials });
      if (!identityChanged) continue;
      await tx.nhi.update({
        where: { id: current.id },
        data: { ...fields, updatedAt: now, version: { increment: 1 } },
        select: { id: true },
      });
      changes.push({ nhiId: current.id, version: current.version + 1, action: 'nhi.import', before, after });
    }

    for (let start = 0; start < creates.length; start += batchSize) {
      await tx.nhi.createMany({
        data: creates.slice(start, start + batchSize).map((created) => ({
          ...created,
          sourceType: 'import',
          firstSeenAt: now,
          lastSeenAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      });
    }
    for (let start = 0; start < changes.length; start += batchSize) {
      await recordNhiChanges(tx, this.context, changes.slice(start, start + batchSize));
    }
    await this.writeCredentials(tx, credentialPlans);
    return { created: creates.length, updated, unchanged };
  }

  /** Adds the credentials an identity does not have yet and updates the facts of those it has. */
  private async writeCredentials(
    tx: RealmTx,
    plans: { nhiId: string; current: ExistingCredential[]; wanted: ImportedCredential[] }[],
  ): Promise<void> {
    const now = this.context.clock.now();
    const added: (ImportedCredential & { id: string; nhiId: string })[] = [];
    for (const { nhiId, current, wanted } of plans) {
      const unmatched = [...current];
      for (const credential of wanted) {
        const same = unmatched.findIndex((candidate) => sameCredential(credential, candidate));
        if (same >= 0) {
          unmatched.splice(same, 1);
          continue;
        }
        const match = unmatched.findIndex((candidate) => identifies(credential, candidate));
        if (match < 0) {
          added.push({ ...credential, id: randomUUID(), nhiId });
          continue;
        }
        const [existing] = unmatched.splice(match, 1);
        if (!existing) continue;
        const facts = credentialFacts(credential);
        await tx.credential.update({
          where: { id: existing.id },
          data: { ...facts, updatedAt: now },
          select: { id: true },
        });
        await recordCredentialChange(tx, this.context, {
          credentialId: existing.id,
          nhiId,
          action: 'nhi.credential.import',
          before: credentialJson({ ...existing }),
          after: credentialJson({ ...existing, ...facts }),
        });
      }
    }
    for (let start = 0; start < added.length; start += batchSize) {
      await tx.credential.createMany({
        data: added.slice(start, start + batchSize).map((credential) => ({
          id: credential.id,
          nhiId: credential.nhiId,
          kind: credential.kind,
          fingerprint: credential.fingerprint ?? null,
          hint: credential.hint ?? null,
          ...credentialFacts(credential),
          createdAt: now,
          updatedAt: now,
        })),
      });
    }
    await recordCredentialChanges(
      tx,
      this.context,
      added.map((credential) => ({
        credentialId: credential.id,
        nhiId: credential.nhiId,
        action: 'nhi.credential.import' as const,
        after: credentialJson({
          kind: credential.kind,
          fingerprint: credential.fingerprint ?? null,
          hint: credential.hint ?? null,
          ...credentialFacts(credential),
        }),
      })),
    );
    await refreshCredentialSummary(
      tx,
      plans.map((plan) => plan.nhiId),
    );
  }
}

const keyOf = (row: { provider: string; externalId: string }) => `${row.provider}\u0000${row.externalId}`;

/** Members of the realm named as owners in the file, by lowercase email. */
async function membersByEmail(tx: RealmTx, rows: { row: ImportRow }[]): Promise<Map<string, string>> {
  const emails = [...new Set(rows.flatMap(({ row }) => (row.owner ? [row.owner] : [])))];
  const members = new Map<string, string>();
  for (let start = 0; start < emails.length; start += batchSize) {
    const found = await tx.realmMembership.findMany({
      where: { user: { email: { in: emails.slice(start, start + batchSize), mode: 'insensitive' } } },
      select: { userId: true, user: { select: { email: true } } },
    });
    for (const member of found) members.set(member.user.email.toLowerCase(), member.userId);
  }
  return members;
}

/** Ids of the identities the file names, deleted ones included. */
async function existingIds(tx: RealmTx, rows: { row: ImportRow }[]): Promise<string[]> {
  const byProvider = new Map<ImportRow['provider'], string[]>();
  for (const { row } of rows) {
    const list = byProvider.get(row.provider) ?? [];
    list.push(row.externalId);
    byProvider.set(row.provider, list);
  }
  const ids: string[] = [];
  for (const [provider, externalIds] of byProvider) {
    for (let start = 0; start < externalIds.length; start += batchSize) {
      const found = await tx.nhi.findMany({
        where: { provider, externalId: { in: externalIds.slice(start, start + batchSize) } },
        select: { id: true },
      });
      ids.push(...found.map((row) => row.id));
    }
  }
  return ids;
}

async function readExisting(tx: RealmTx, ids: readonly string[]) {
  const rows = [];
  for (let start = 0; start < ids.length; start += batchSize) {
    rows.push(
      ...(await tx.nhi.findMany({
        where: { id: { in: ids.slice(start, start + batchSize) } },
        select: existingSelect,
      })),
    );
  }
  return rows;
}

/** Kind and deletion of the identities the rows name that exist, by key. */
async function currentKinds(tx: RealmTx, rows: { row: ImportRow }[]) {
  const byProvider = new Map<ImportRow['provider'], string[]>();
  for (const { row } of rows)
    byProvider.set(row.provider, [...(byProvider.get(row.provider) ?? []), row.externalId]);
  const found = new Map<string, CurrentKind>();
  for (const [provider, externalIds] of byProvider) {
    const existing = await tx.nhi.findMany({
      where: { provider, externalId: { in: externalIds } },
      select: { provider: true, externalId: true, kind: true, deletedAt: true },
    });
    for (const row of existing) found.set(keyOf(row), row);
  }
  return found;
}

type CurrentKind = Pick<Existing, 'kind' | 'deletedAt'>;

/** Why a valid row still cannot be imported into this realm, if it cannot. */
function problemWith(
  row: ImportRow,
  current: CurrentKind | undefined,
  members: Map<string, string>,
): string | undefined {
  if (row.owner && !members.has(row.owner)) return `owner: ${row.owner} is not a member of this realm`;
  if (!current) return undefined;
  if (current.kind !== row.kind) {
    return `kind: ${row.provider} ${row.externalId} is a ${current.kind}; an identity's kind does not change`;
  }
  if (current.deletedAt && !row.deletedAt) {
    return `${row.provider} ${row.externalId} was deleted: restore it before importing it`;
  }
  return undefined;
}

function newIdentity(row: ImportRow, members: Map<string, string>): NewIdentity {
  return {
    kind: row.kind,
    provider: row.provider,
    externalId: row.externalId,
    name: row.name,
    description: row.description ?? null,
    ownerUserId: row.owner ? (members.get(row.owner) ?? null) : null,
    ownerGroupId: null,
    environment: row.environment ?? 'unknown',
    status: row.status ?? 'active',
    tags: row.tags ?? [],
    permissions: (row.permissions ?? []) as JsonValue[],
    metadata: (row.metadata ?? {}) as { [key: string]: JsonValue },
    sourceType: 'import',
    sourceRef: null,
    providerCreatedAt: row.providerCreatedAt ?? null,
    lastUsedAt: row.lastUsedAt ?? null,
    deletedAt: null,
  };
}

/**
 * The fields a row sets on an existing identity: those it carries. The owner changes only when the
 * file names someone other than the export would show, so re-importing an export changes nothing.
 */
function changedFields(row: ImportRow, current: Existing, members: Map<string, string>) {
  const fields: {
    name: string;
    description?: string | null;
    ownerUserId?: string | null;
    environment?: NonNullable<ImportRow['environment']>;
    status?: NonNullable<ImportRow['status']>;
    tags?: string[];
    permissions?: JsonValue[];
    metadata?: { [key: string]: JsonValue };
    providerCreatedAt?: Date | null;
    lastUsedAt?: Date | null;
  } = { name: row.name };
  if (row.description !== undefined) fields.description = row.description;
  if (row.owner !== undefined && row.owner !== (current.owner?.email.toLowerCase() ?? null)) {
    fields.ownerUserId = row.owner ? (members.get(row.owner) ?? null) : null;
  }
  if (row.environment !== undefined) fields.environment = row.environment;
  if (row.status !== undefined) fields.status = row.status;
  if (row.tags !== undefined) fields.tags = row.tags;
  if (row.permissions !== undefined) fields.permissions = row.permissions as JsonValue[];
  if (row.metadata !== undefined) fields.metadata = row.metadata as { [key: string]: JsonValue };
  if (row.providerCreatedAt !== undefined) fields.providerCreatedAt = row.providerCreatedAt;
  if (row.lastUsedAt !== undefined) fields.lastUsedAt = row.lastUsedAt;
  return fields;
}

/** The facts an import may set on a credential it recognises. */
function credentialFacts(credential: ImportedCredential) {
  return {
    status: credential.status,
    providerCreatedAt: credential.providerCreatedAt ?? null,
    lastRotatedAt: credential.lastRotatedAt ?? null,
    expiresAt: credential.expiresAt ?? null,
    lastUsedAt: credential.lastUsedAt ?? null,
  };
}

const time = (date: Date | null | undefined) => date?.getTime() ?? null;

/**
 * Which stored credential a file's credential means: the same fingerprint, or, for credentials
 * without one, the same kind, hint and creation at the provider.
 */
function identifies(credential: ImportedCredential, candidate: ExistingCredential): boolean {
  if (credential.fingerprint || candidate.fingerprint)
    return credential.fingerprint === candidate.fingerprint;
  return (
    credential.kind === candidate.kind &&
    (credential.hint ?? null) === candidate.hint &&
    time(credential.providerCreatedAt) === time(candidate.providerCreatedAt)
  );
}

function sameCredential(credential: ImportedCredential, candidate: ExistingCredential): boolean {
  const facts = credentialFacts(credential);
  return (
    identifies(credential, candidate) &&
    credential.kind === candidate.kind &&
    (credential.hint ?? null) === candidate.hint &&
    facts.status === candidate.status &&
    time(facts.providerCreatedAt) === time(candidate.providerCreatedAt) &&
    time(facts.lastRotatedAt) === time(candidate.lastRotatedAt) &&
    time(facts.expiresAt) === time(candidate.expiresAt) &&
    time(facts.lastUsedAt) === time(candidate.lastUsedAt)
  );
}

function sameAsSome(credential: ImportedCredential, candidates: ExistingCredential[]): boolean {
  return candidates.some((candidate) => sameCredential(credential, candidate));
}

/** A credential's non-secret facts as the audit trail keeps them. */
function credentialJson(credential: {
  kind: string;
  fingerprint: string | null;
  hint: string | null;
  status: string;
  providerCreatedAt: Date | null;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}): Record<string, JsonValue> {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    kind: credential.kind,
    fingerprint: credential.fingerprint,
    hint: credential.hint,
    status: credential.status,
    providerCreatedAt: iso(credential.providerCreatedAt),
    lastRotatedAt: iso(credential.lastRotatedAt),
    expiresAt: iso(credential.expiresAt),
    lastUsedAt: iso(credential.lastUsedAt),
  };
}
