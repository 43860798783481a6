import { z } from 'zod';

export {
  type ScanInput,
  type SourceType,
  scanInputs,
  scanInputsBySource,
  sourceTypes,
} from './scan-inputs.ts';

import { type ScanInput, type SourceType, scanInputs, sourceTypes } from './scan-inputs.ts';

export const scanStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ScanState = (typeof scanStates)[number];
export const environments = ['production', 'staging', 'development', 'unknown'] as const;

/** Five fields of a cron expression (minute hour day month weekday); checked again by the queue. */
const cron = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4}\S+$/, 'must be a cron expression with five fields, e.g. "0 3 * * *"');

const settingValue = z.union([z.string().max(2000), z.number(), z.boolean()]);

export const createSourceInput = z.object({
  type: z.enum(sourceTypes),
  name: z.string().trim().min(1).max(120),
  environment: z.enum(environments).default('unknown'),
  schedule: cron.nullish(),
  /** Non-secret settings: region, endpoint, organisation, repository path, ... */
  settings: z.record(z.string(), settingValue).default({}),
  /** Credentials; encrypted at rest and never returned. */
  secrets: z.record(z.string(), z.string().max(10_000)).optional(),
});
export type CreateSourceInput = z.input<typeof createSourceInput>;

export const updateSourceInput = z.object({
  id: z.string().uuid(),
  name: z.string().trim().min(1).max(120).optional(),
  environment: z.enum(environments).optional(),
  schedule: cron.nullish(),
  settings: z.record(z.string(), settingValue).optional(),
  /** Replaces every stored credential; null removes them; absent keeps them. */
  secrets: z.record(z.string(), z.string().max(10_000)).nullish(),
});
export type UpdateSourceInput = z.input<typeof updateSourceInput>;

export const idInput = z.object({ id: z.string().uuid() });
export const nhiIdInput = z.object({ nhiId: z.string().uuid() });

export const startScanInput = z.object({
  sourceId: z.string().uuid(),
  input: z.enum(scanInputs as [ScanInput, ...ScanInput[]]),
  /** An exported file, base64-encoded; required unless the input reads a live API or a directory. */
  upload: z.object({ name: z.string().trim().min(1).max(300), contentBase64: z.string() }).optional(),
  /** false: a partial export; identities it does not mention are not marked missing. */
  complete: z.boolean().default(true),
});
export type StartScanInput = z.input<typeof startScanInput>;

export const listScansInput = z.object({
  sourceId: z.string().uuid().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const leakStates = ['open', 'resolved', 'all'] as const;

export const listLeaksInput = z.object({
  sourceId: z.string().uuid().optional(),
  /** Open: found by the latest complete scan of its source and input (or not rescanned since). */
  state: z.enum(leakStates).default('all'),
  limit: z.number().int().min(1).max(500).default(100),
});

export interface SourceView {
  id: string;
  type: SourceType;
  name: string;
  environment: (typeof environments)[number];
  schedule: string | null;
  settings: Record<string, string | number | boolean>;
  /** Names of the stored credentials; their values never leave the server. */
  secretNames: string[];
  createdAt: Date;
  updatedAt: Date;
  lastScan: { id: string; state: ScanState; finishedAt: Date | null; createdAt: Date } | null;
  /** Live identities of the inventory the source reports (missing from its last scan or not). */
  identityCount: number;
}

/** What the caller may do on the scanner pages: they hide what would only be refused. */
export interface ScannerAbilities {
  manageSources: boolean;
  runScans: boolean;
  readLeaks: boolean;
}

/** The sources page: the realm's sources and what the caller may do with them. */
export interface SourcesPage {
  sources: SourceView[];
  abilities: ScannerAbilities;
}

export interface ScanWarningView {
  item: string;
  message: string;
}

/** How far a connector reading its input in parts (accounts of an organization) has got. */
export interface ScanProgress {
  /** What the parts are, plural: `accounts`. */
  unit: string;
  total: number;
  /** Parts finished, read or not. */
  done: number;
  /** The parts finished without being read, by name. */
  failed: string[];
  /** The parts being read now, by name. */
  reading: string[];
}

export interface ScanView {
  id: string;
  sourceId: string;
  sourceName: string;
  input: string;
  state: ScanState;
  phase: string | null;
  complete: boolean;
  /** Identities and leaks to reconcile, once the input is read; itemsProcessed counts those done. */
  itemsTotal: number | null;
  itemsProcessed: number;
  /** Items the input held and the connector read, in `itemsUnit` (`Kubernetes objects`); null before. */
  itemsRead: number | null;
  itemsUnit: string | null;
  counts: { new: number; updated: number; unchanged: number; missing: number; leaks: number };
  warningCount: number;
  warnings: ScanWarningView[];
  /** How far reading has got, for inputs read in parts (an organization's accounts); null for the others. */
  progress: ScanProgress | null;
  error: string | null;
  uploadName: string | null;
  triggeredBy: { type: 'user' | 'token' | 'system'; id: string | null };
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface LeakView {
  id: string;
  sourceId: string;
  rule: string;
  file: string;
  line: number | null;
  commit: string | null;
  maskedMatch: string;
  fingerprint: string;
  /** What the secret is (`aws_access_key_id`, `github_token`, `generic`, ...); null for leaks found before types. */
  secretType: string | null;
  /** `live`, `invalid` or `unknown` when checked (a report's or a source's verification); null when not. */
  verification: string | null;
  nhi: { id: string; name: string } | null;
  credentialId: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** When a complete scan of the same source and input no longer found it; null while open. */
  resolvedAt: Date | null;
  resolvedByScanId: string | null;
}

/** One identity a scan added, changed or no longer found; `fields` says what changed. */
export interface ScanDiffIdentity {
  id: string;
  name: string;
  kind: string;
  provider: string;
  externalId: string;
  /** Changed fields by name, `credentials`, `status`, and fact kinds gained (`+kind`) or lost (`-kind`). */
  fields: string[];
}

/** An alert that opened or resolved on an identity of the scan's source after the scan. */
export interface ScanDiffAlert {
  id: string;
  ruleId: string;
  severity: string;
  state: string;
  subject: string;
  nhi: { id: string; name: string } | null;
  at: Date;
}

/** A part of a scan's diff: how many, and the first of them. */
export interface ScanDiffPart<T> {
  count: number;
  items: T[];
}

/** What one scan changed, against what its source reported before. */
export interface ScanDiffView {
  scanId: string;
  sourceId: string;
  added: ScanDiffPart<ScanDiffIdentity>;
  changed: ScanDiffPart<ScanDiffIdentity>;
  missing: ScanDiffPart<ScanDiffIdentity>;
  alertsOpened: ScanDiffPart<ScanDiffAlert>;
  alertsResolved: ScanDiffPart<ScanDiffAlert>;
}

/** A live source's type, settings and credentials to try, before it is saved. */
export const testConnectionInput = z.object({
  type: z.enum(sourceTypes),
  settings: z.record(z.string(), settingValue).default({}),
  secrets: z.record(z.string(), z.string().max(10_000)).default({}),
});
export type TestConnectionInput = z.input<typeof testConnectionInput>;

/** Whether the provider accepted the credentials, in its own words when it did not. */
export interface ConnectionTestResult {
  ok: boolean;
  /** Who the provider says the credentials are (an ARN, a login), or why it refused them. */
  message: string;
}
