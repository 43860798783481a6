import { storableDate } from '@nhi/platform/input';
import { z } from 'zod';
import {
  credentialKinds,
  credentialStatuses,
  nhiEnvironments,
  nhiKinds,
  nhiProviders,
  nhiRiskLevels,
  nhiStatuses,
  sortableColumns,
} from './nhi.vocabulary.ts';

/**
 * The shapes of the inventory, shared by the service, the tRPC procedures, import/export and
 * the UI. Enumerations mirror prisma/schema.prisma.
 */
export {
  credentialKinds,
  credentialStatuses,
  nhiEnvironments,
  nhiKinds,
  nhiProviders,
  nhiStatuses,
  sortableColumns,
} from './nhi.vocabulary.ts';

export const nhiKind = z.enum(nhiKinds);
export const nhiProvider = z.enum(nhiProviders);
export const nhiEnvironment = z.enum(nhiEnvironments);
export const nhiStatus = z.enum(nhiStatuses);
export const credentialKind = z.enum(credentialKinds);
export const credentialStatus = z.enum(credentialStatuses);

const tag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:/=-]+$/, 'Tags use letters, digits and . _ : / = -');

/** What an identity can do: one entry per permission, scope or rule, as its source states it. */
export const nhiPermission = z.object({
  /** e.g. "s3:GetObject", "repo", "secrets get (cluster)". */
  action: z.string().min(1).max(500),
  resource: z.string().max(2000).optional(),
  effect: z.enum(['allow', 'deny']).default('allow'),
  /** Where it comes from: a policy name, role binding, OAuth scope. */
  via: z.string().max(500).optional(),
});

/** What people may change on an identity; kind, provider and externalId identify it and stay. */
const editableFieldShapes = {
  name: z.string().trim().min(1).max(256),
  description: z.string().max(4000).nullable().optional(),
  /** A user of the realm, or null for unowned. */
  ownerUserId: z.string().uuid().nullable().optional(),
  /** A group of the realm answering for the identity (an owner team), or null. */
  ownerGroupId: z.string().uuid().nullable().optional(),
  environment: nhiEnvironment,
  status: nhiStatus,
  tags: z.array(tag).max(50),
  permissions: z.array(nhiPermission).max(5000),
  metadata: z.record(z.string(), z.unknown()),
  providerCreatedAt: storableDate().nullable().optional(),
  lastUsedAt: storableDate().nullable().optional(),
};

export const nhiFields = z.object({
  kind: nhiKind,
  provider: nhiProvider,
  externalId: z.string().trim().min(1).max(512),
  ...editableFieldShapes,
  environment: editableFieldShapes.environment.default('unknown'),
  status: editableFieldShapes.status.default('active'),
  tags: editableFieldShapes.tags.default([]),
  permissions: editableFieldShapes.permissions.default([]),
  metadata: editableFieldShapes.metadata.default({}),
});

/**
 * The fields an update changes: only those present. No defaults here, or an edit of the name
 * would reset tags and environment.
 */
export const nhiChanges = z.object(editableFieldShapes).partial();

export const createNhiInput = nhiFields.extend({
  /** A retry with the same key returns the record the first call created. */
  idempotencyKey: z.string().min(8).max(128).optional(),
});

export const updateNhiInput = z.object({
  id: z.string().uuid(),
  /** The version the caller last saw; a stale one is a conflict. */
  expectedVersion: z.number().int().positive(),
  /** Set `force` to overwrite whatever changed since (after the user saw the conflict). */
  force: z.boolean().default(false),
  changes: nhiChanges,
});

export const listNhiInput = z.object({
  kind: z.array(nhiKind).optional(),
  provider: z.array(nhiProvider).optional(),
  environment: z.array(nhiEnvironment).optional(),
  status: z.array(nhiStatus).optional(),
  /** User ids, and/or the literal "unowned". */
  owner: z.array(z.union([z.string().uuid(), z.literal('unowned')])).optional(),
  tag: z.array(tag).optional(),
  /** Has an active credential older than N days (since last rotation, else creation). */
  credentialOlderThanDays: z.number().int().min(0).max(36_500).optional(),
  /**
   * Its oldest active credential is N days old or newer (with olderThan: a band of ages, as the
   * dashboard's buckets).
   */
  credentialNewerThanDays: z.number().int().min(0).max(36_500).optional(),
  /** Has an active credential expiring within N days (expired ones included). */
  expiringWithinDays: z.number().int().min(0).max(36_500).optional(),
  /** Scanner sources (ids): identities any of them reports (missing from its last scan or not). */
  source: z.array(z.string().uuid()).max(50).optional(),
  /** A scan (id): identities it added, changed or no longer found; `scanChange` narrows to one of those. */
  scan: z.string().uuid().optional(),
  scanChange: z.enum(['added', 'changed', 'missing']).optional(),
  /** Risk levels from the alert rules' scores; "none": no score (no open or acknowledged alert). */
  riskLevel: z.array(z.enum(nhiRiskLevels)).optional(),
  /** Free text over name, externalId and description. */
  q: z.string().trim().max(200).optional(),
  includeDeleted: z.boolean().default(false),
  sort: z.enum(sortableColumns).default('name'),
  direction: z.enum(['asc', 'desc']).default('asc'),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().max(2000).optional(),
});

export const addCredentialInput = z.object({
  nhiId: z.string().uuid(),
  kind: credentialKind,
  /** Submitted once to compute fingerprint and hint; never stored, logged or returned. */
  secret: z.string().min(1).max(65_536).optional(),
  /** A precomputed fingerprint (e.g. from a scanner) when no secret is given. */
  fingerprint: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
  hint: z.string().max(64).optional(),
  providerCreatedAt: storableDate().nullable().optional(),
  lastRotatedAt: storableDate().nullable().optional(),
  expiresAt: storableDate().nullable().optional(),
  lastUsedAt: storableDate().nullable().optional(),
  status: credentialStatus.default('active'),
});

export const rotateCredentialInput = z.object({
  credentialId: z.string().uuid(),
  /** The new secret (fingerprinted, never stored); omitted when only the rotation date is recorded. */
  secret: z.string().min(1).max(65_536).optional(),
  rotatedAt: storableDate().optional(),
  expiresAt: storableDate().nullable().optional(),
});

export const bulkUpdateInput = z.object({
  ids: z.array(z.string().uuid()).min(1).max(1000),
  ownerUserId: z.string().uuid().nullable().optional(),
  addTags: z.array(tag).max(50).optional(),
  removeTags: z.array(tag).max(50).optional(),
  environment: nhiEnvironment.optional(),
});

export type NhiFields = z.output<typeof nhiFields>;
export type CreateNhiInput = z.input<typeof createNhiInput>;
export type UpdateNhiInput = z.input<typeof updateNhiInput>;
export type NhiChanges = z.output<typeof nhiChanges>;
export type ListNhiInput = z.input<typeof listNhiInput>;
export type AddCredentialInput = z.input<typeof addCredentialInput>;
export type RotateCredentialInput = z.input<typeof rotateCredentialInput>;
export type BulkUpdateInput = z.input<typeof bulkUpdateInput>;
export type NhiPermission = z.output<typeof nhiPermission>;

/** get, delete, restore, history and audit name one identity. */
export const nhiIdInput = z.object({ id: z.string().uuid() });
export const revokeCredentialInput = z.object({ credentialId: z.string().uuid() });
export type RevokeCredentialInput = z.input<typeof revokeCredentialInput>;

/** An export: every identity matching the list's filter, in its sort order. */
export const exportNhiInput = listNhiInput.omit({ limit: true, cursor: true }).extend({
  format: z.enum(['csv', 'json']),
});
export type ExportNhiInput = z.input<typeof exportNhiInput>;

/** An import: a file in the export's shape, as text. */
export const importNhiInput = z.object({
  format: z.enum(['csv', 'json']),
  /** Up to 50 MB of text. */
  content: z.string().max(50_000_000),
  /** Import the valid rows and report the others; by default one bad row stops the whole import. */
  skipInvalid: z.boolean().default(false),
});
export type ImportNhiInput = z.input<typeof importNhiInput>;

// The ownership suggestions' shapes, under the same import path.
export * from './owner-suggestion.schema.ts';
