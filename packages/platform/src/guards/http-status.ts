import { type DomainErrorCode, isDomainError } from '../errors/domain-errors.ts';

const statusByCode: Record<DomainErrorCode, number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** The one mapping from domain errors to HTTP statuses for serverFns and plain routes. */
export function toHttpStatus(error: unknown): number {
  return isDomainError(error) ? statusByCode[error.code] : 500;
}
