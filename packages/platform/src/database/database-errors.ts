import { DomainError, ValidationError } from '../errors/domain-errors.ts';

/** Another process owns the embedded database's data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: string,
  ) {
    super(
      `The data directory ${dataDir} is in use by another process (${owner}). ` +
        'The embedded database allows one owning process: stop the other one, or point NHI_DATA_DIR elsewhere.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** The migration history in the database does not match the migration files, or a migration failed. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/**
 * A caller handed the realm-scoped client a realmId other than the one of its realm.
 * Services never pass realmIds, so this is a defect worth refusing loudly, not a lookup miss.
 */
export class CrossRealmAccessError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(model: string, operation: string) {
    super(`Refused ${model}.${operation}: it names another realm`, { model, operation });
  }
}

/**
 * PostgreSQL's data exceptions that mean "this value cannot be stored", worded for the caller.
 * Input checks refuse these values first; this is the wall behind them, so a check someone
 * forgot answers 400 rather than 500 with database text.
 */
const inputErrorMessages: Record<string, string> = {
  '22001': 'A text value is longer than the field can hold',
  '22003': 'A number is outside the range the field can hold',
  '22007': 'A date or time is not in a valid format',
  '22008': 'A date is outside the range that can be stored (years 1 to 9999)',
  '22009': 'A date is outside the range that can be stored (years 1 to 9999)',
  '22021': 'A text value contains a character that cannot be stored (NUL)',
  '22P02': 'A value is not in the format the field needs',
  '22P05': 'A text value contains a character that cannot be stored (NUL or an unpaired surrogate)',
};

/** The SQLSTATE of a database error, as Prisma's driver adapters, pg and PGlite each carry it. */
export function sqlStateOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const candidate = current as {
      code?: unknown;
      originalCode?: unknown;
      meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } };
      cause?: unknown;
    };
    const adapterCause = candidate.meta?.driverAdapterError?.cause;
    const code = adapterCause?.originalCode ?? adapterCause?.code ?? candidate.originalCode ?? candidate.code;
    if (typeof code === 'string' && isSqlState(code)) return code;
    current = candidate.cause;
  }
  return undefined;
}

/** A ValidationError (400) for a database error caused by the value sent, else undefined. */
export function inputErrorOf(error: unknown): ValidationError | undefined {
  const state = sqlStateOf(error);
  const message = state ? inputErrorMessages[state] : undefined;
  if (!message) return undefined;
  return new ValidationError(message, [{ path: [], message }]);
}

/** Five characters of digits and capitals; Prisma's own codes (P1000–P6999) look alike and are not. */
function isSqlState(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]/.test(code);
}
