import { DomainError } from '../errors/domain-errors.ts';

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
