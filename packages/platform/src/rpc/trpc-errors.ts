import { TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { type DomainError, type DomainErrorCode, ValidationError } from '../errors/domain-errors.ts';

const trpcCodeByDomainCode: Record<DomainErrorCode, TRPC_ERROR_CODE_KEY> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  BAD_REQUEST: 'BAD_REQUEST',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/** The one mapping from domain errors to tRPC codes. */
export function toTrpcError(error: DomainError): TRPCError {
  return new TRPCError({ code: trpcCodeByDomainCode[error.code], message: error.message, cause: error });
}

export function domainDetailsOf(cause: unknown): Record<string, unknown> | undefined {
  if (cause instanceof ValidationError) return { issues: cause.issues };
  if (cause && typeof cause === 'object' && 'details' in cause && 'code' in cause) {
    return (cause as DomainError).details;
  }
  return undefined;
}

/**
 * What a failed call was made from: a caller's client error wraps the procedure's TRPCError,
 * which wraps the domain error (or ZodError, or database error) it was made from. A TRPCError
 * of the procedure's own guards (no cause) is its own origin.
 */
export function originOf(error: unknown): unknown {
  let current = error;
  while ((current instanceof TRPCClientError || current instanceof TRPCError) && current.cause) {
    current = current.cause;
  }
  return current;
}
