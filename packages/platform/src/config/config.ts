import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type OidcProviderConfig, parseOidcProviders } from '../auth/oidc/oidc-config.ts';
import { heapGrowthPercent } from './heap-growth.ts';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const durationSeconds = z.coerce.number().int().positive();

/** At least 32 bytes of key, base64-encoded: HMAC-SHA256 gains nothing from a longer one. */
const base64Key = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
  .refine((value) => Buffer.from(value, 'base64').length >= 32, 'must decode to at least 32 bytes');

/**
 * Every setting the hub reads, with its default. README's configuration table is
 * written from this schema; keep them together.
 */
export const configSchema = z.object({
  /** `hub` serves users and pages; `worker` serves only its realms' tRPC calls, forwarded by the hub. */
  NHI_MODE: z.enum(['hub', 'worker']).default('hub'),
  /** The worker's name among the hub's instances; required in worker mode. */
  NHI_INSTANCE_NAME: z
    .string()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/,
      'must be a short slug: a-z, 0-9 and -, at most 32 characters',
    )
    .optional(),
  /** Worker mode: the hub's base URL, where the worker fetches the keys that sign forwarded calls. */
  NHI_HUB_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  NHI_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  NHI_ADMIN_EMAIL: z.string().email().default('admin@nhi.local'),
  NHI_ADMIN_PASSWORD: z.string().min(12, 'NHI_ADMIN_PASSWORD must be at least 12 characters').optional(),
  NHI_JWT_ISSUER: z.string().min(1).default('nhi-hub'),
  NHI_JWT_AUDIENCE: z.string().min(1).default('nhi-hub'),
  /** A JSON Web Key Set with private keys; the first key signs, all verify. Unset: generated and kept in the database. */
  NHI_JWT_KEYS: z.string().optional(),
  /** Key of credential fingerprints (HMAC-SHA256). Unset: generated once and kept in the database. */
  NHI_FINGERPRINT_KEY: base64Key.optional(),
  /** Key that encrypts discovery sources' credentials and pending uploads (AES-256-GCM). Unset: generated once and kept in the database. */
  NHI_SCANNER_KEY: base64Key.optional(),
  /** Largest file a scan accepts as upload. */
  NHI_SCAN_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  /**
   * How far V8 lets the heap grow past what the last full collection kept, in percent (0, the
   * default: V8's own rule, up to four times). See heap-growth.ts.
   */
  NHI_HEAP_GROWTH_PERCENT: heapGrowthPercent,
  NHI_SESSION_TTL_SECONDS: durationSeconds.default(8 * 60 * 60),
  /** `false`: password login only for the break-glass account; everyone else signs in through OIDC. */
  NHI_LOCAL_LOGIN: booleanFromEnv.default(true),
  /** The account that may still log in with a password when NHI_LOCAL_LOGIN=false; default NHI_ADMIN_EMAIL. */
  NHI_BREAK_GLASS_EMAIL: z.string().email().optional(),
  /** Comma-separated OIDC provider ids; each is configured by NHI_OIDC_<ID>_* variables. */
  NHI_OIDC_PROVIDERS: z.string().optional(),
  /** The hub's address as browsers reach it, for OIDC redirect URIs; unset: taken from each request. */
  NHI_PUBLIC_URL: z.string().url().optional(),
  /** SMTP server for invitation, password-reset and alert-mention mails (smtp:// or smtps://, credentials in the URL); unset: links are shown to the admin, mentions are not mailed. */
  NHI_SMTP_URL: z
    .string()
    .url()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  /** Sender of the hub's own mails (invitations, password resets, mentions). */
  NHI_SMTP_FROM: z.string().email().default('nhi-hub@localhost'),
  /** The Chromium the hub renders posture-report PDFs with (headless); without one, reports go out as HTML only. */
  NHI_CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  NHI_LOGIN_MAX_ATTEMPTS: z.coerce.number().int().positive().default(5),
  NHI_LOGIN_WINDOW_SECONDS: durationSeconds.default(15 * 60),
  /** Changes (mutations, uploads) one person or API token may make per window; 0: no limit. */
  NHI_WRITE_LIMIT_PER_USER: z.coerce.number().int().min(0).default(600),
  /** Changes one client address may make per window, all its people together; 0: no limit. */
  NHI_WRITE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0).default(1800),
  NHI_WRITE_LIMIT_WINDOW_SECONDS: durationSeconds.default(60),
  /** Where hub processes behind one address share their login limits; unset: each process counts alone. */
  REDIS_URL: z
    .string()
    .url()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Start of every Redis key: hubs of different databases sharing one Redis each need their own. */
  NHI_REDIS_PREFIX: z.string().min(1).default('nhi'),
  NHI_TRUST_PROXY: booleanFromEnv.default(false),
  NHI_MIGRATE_ON_START: booleanFromEnv.default(true),
  /** Seed the realm `demo` with synthetic identities on the first start (the quick start sets it). */
  NHI_DEMO_DATA: booleanFromEnv.default(false),
  /** PostgreSQL: longest a statement of a request may run, in ms (0: no limit). */
  NHI_REQUEST_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /** PostgreSQL: longest a statement of a background job (scan, evaluation) may run, in ms (0: no limit). */
  NHI_JOB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(600_000),
  /** Hub mode: how often the hub asks each registered worker instance whether it is ready. */
  NHI_INSTANCE_HEARTBEAT_SECONDS: durationSeconds.default(15),
  /** Cron expression (UTC) of scheduled backups, e.g. `0 3 * * *`; unset: no scheduled backups. */
  NHI_BACKUP_SCHEDULE: z.string().min(1).optional(),
  /** Where scheduled backups go; unset: `backups` in the data directory. */
  NHI_BACKUP_DIR: z.string().min(1).optional(),
  /** Scheduled backups kept in NHI_BACKUP_DIR, the newest; older ones are deleted after each backup. */
  NHI_BACKUP_KEEP: z.coerce.number().int().positive().default(7),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema> & {
  /** Absolute form of NHI_DATA_DIR. */
  dataDir: string;
  /** The providers of NHI_OIDC_PROVIDERS, read from their NHI_OIDC_<ID>_* variables. */
  oidcProviders: OidcProviderConfig[];
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const present = withFileSettings(
    Object.fromEntries(
      Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
    ) as Record<string, string>,
    cwd,
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const workerProblems = parsed.data.NHI_MODE === 'worker' ? workerModeProblems(parsed.data) : [];
  if (workerProblems.length > 0) {
    throw new ConfigError(`Invalid configuration for NHI_MODE=worker:\n${workerProblems.join('\n')}`);
  }
  const oidc = parseOidcProviders(present);
  if (oidc.problems.length > 0) {
    throw new ConfigError(`Invalid OIDC configuration:\n${oidc.problems.join('\n')}`);
  }
  return {
    ...parsed.data,
    dataDir: path.resolve(cwd, parsed.data.NHI_DATA_DIR),
    oidcProviders: oidc.providers,
  };
}

/** Settings that may be read from a file: every setting of the schema, and the OIDC providers' own. */
const fileSettable = (name: string) =>
  Object.hasOwn(configSchema.shape, name) || name.startsWith('NHI_OIDC_');

/**
 * `<NAME>_FILE` names a file holding the value of `<NAME>` (compose and Kubernetes secrets), so a
 * secret need not sit in the environment, where process listings and crash reports show it. One
 * trailing newline is dropped: files written by `echo` end with one. A setting given both ways is
 * an error rather than a silent choice; a file that cannot be read is named, its content never is.
 */
function withFileSettings(present: Record<string, string>, cwd: string): Record<string, string> {
  const settings = { ...present };
  const problems: string[] = [];
  for (const [variable, file] of Object.entries(present)) {
    const name = variable.slice(0, -'_FILE'.length);
    if (!variable.endsWith('_FILE') || !fileSettable(name)) continue;
    delete settings[variable];
    if (present[name] !== undefined) {
      problems.push(`  ${name}: set either ${name} or ${variable}, not both`);
      continue;
    }
    try {
      settings[name] = fs.readFileSync(path.resolve(cwd, file), 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`  ${variable}: cannot read ${file} (${reason})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return settings;
}

/**
 * A worker is one of several instances the hub forwards to: it needs a name the hub knows it by,
 * and a database of its own that outlives it. The embedded database is the single hub's.
 */
function workerModeProblems(config: z.infer<typeof configSchema>): string[] {
  const problems: string[] = [];
  if (!config.NHI_INSTANCE_NAME) problems.push('  NHI_INSTANCE_NAME: required in worker mode');
  if (!config.NHI_HUB_URL) {
    problems.push('  NHI_HUB_URL: required in worker mode (the hub whose keys sign forwarded calls)');
  }
  if (!config.DATABASE_URL) {
    problems.push(
      '  DATABASE_URL: required in worker mode (a postgresql:// URL; workers do not run the embedded database)',
    );
  } else if (!/^postgres(ql)?:\/\//.test(config.DATABASE_URL)) {
    problems.push('  DATABASE_URL: must be a postgresql:// URL in worker mode');
  }
  return problems;
}
