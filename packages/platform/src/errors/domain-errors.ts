/**
 * Typed errors that services throw. Only the edges (tRPC error formatter, serverFn
 * middleware, CLI) translate them into transport codes, in one place each.
 */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'BAD_REQUEST'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** Safe to show to the caller: never contains secrets. */
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(entityType: string, id: string) {
    super(`${entityType} ${id} was not found`, { entityType, id });
  }
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

export class PermissionDeniedError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(readonly permission: string) {
    super(`Missing permission: ${permission}`, { permission });
  }
}

export class AuthenticationError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(reason = 'Authentication required') {
    super(reason);
  }
}

export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

export class ValidationError extends DomainError {
  readonly code = 'BAD_REQUEST';
  constructor(
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message, { issues });
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many attempts. Try again in ${retryAfterSeconds} seconds.`,
  ) {
    super(message, { retryAfterSeconds });
  }
}

export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
