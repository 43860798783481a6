import { createTRPCUntypedClient, httpLink, TRPCClientError, type TRPCUntypedClient } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import superjson from 'superjson';
import { inject, injectable } from 'tsyringe';
import { ForwardTokens } from '../auth/forward-tokens.ts';
import { FORWARD_TOKEN_HEADER } from '../auth/forwarded-calls.ts';
import type { Principal, RealmPlacement } from '../context/request-context.ts';
import { LOGGER } from '../di/tokens.ts';
import { DomainError, type DomainErrorCode, UnavailableError } from '../errors/domain-errors.ts';
import type { RequestScope } from '../guards/request-scope.ts';
import type { Logger } from '../logging/logger.ts';
import { HUB_METRICS, type HubMetrics } from '../metrics/metrics.ts';
import { WIRE_FORMAT_HEADER, type WireFormat } from '../rpc/wire-format.ts';

/** The request id travels with the call, so the hub's and the worker's log lines share it. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** One forwarded call: what tRPC calls an operation, by its dotted path. */
export interface ForwardedOperation {
  type: 'query' | 'mutation';
  path: string;
  input: unknown;
}

export interface ForwardOptions {
  /**
   * `json`: the caller is an HTTP client that reads plain JSON; the worker's plain JSON answer is
   * passed on as it came, with no superjson decoding and encoding again on the hub. Otherwise
   * (in-process callers, superjson clients) values keep their types across the hop.
   */
  wire?: WireFormat;
  /** Abandon the call after this long: the instance is then reported unavailable. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type ForwardOutcome = 'ok' | 'error' | 'unavailable';

/** Queries answer within this; mutations (an upload scan, say) get longer. */
const queryTimeoutMs = 30_000;
const mutationTimeoutMs = 120_000;

const domainCodeByTrpcCode: Partial<Record<TRPC_ERROR_CODE_KEY, DomainErrorCode>> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  BAD_REQUEST: 'BAD_REQUEST',
  PARSE_ERROR: 'BAD_REQUEST',
  UNPROCESSABLE_CONTENT: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'BAD_REQUEST',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'UNAVAILABLE',
  TIMEOUT: 'UNAVAILABLE',
};

/**
 * A worker's refusal, rethrown on the hub as the domain error it was there: the hub's edges map
 * it to the same status and shape as if the realm were served here.
 */
export class ForwardedError extends DomainError {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    details: Record<string, unknown> | undefined,
    /** A worker's input-schema failure: the hub answers with the same issues. */
    readonly zodIssues?: unknown[],
  ) {
    super(message, details);
  }
}

interface WorkerErrorData {
  code?: TRPC_ERROR_CODE_KEY;
  details?: Record<string, unknown>;
  zodIssues?: unknown[];
}

/**
 * The hub's side of a worker: each call for a realm placed on an instance goes there as the same
 * tRPC call, with a forward token naming the user, the realm and the instance (ADR 0029). Values
 * travel as superjson, so dates and maps arrive as they left.
 */
@injectable()
export class InstanceForwarder {
  private readonly clients = new Map<string, TRPCUntypedClient<AnyRouter>>();

  constructor(
    @inject(ForwardTokens) private readonly tokens: ForwardTokens,
    @inject(LOGGER) private readonly logger: Logger,
    /** Counts forwarded calls by instance and outcome; absent in a process without metrics (the CLI). */
    @inject(HUB_METRICS, { isOptional: true }) private readonly metrics?: HubMetrics,
  ) {}

  async call(
    scope: Pick<RequestScope, 'context'>,
    operation: ForwardedOperation,
    options: ForwardOptions = {},
  ): Promise<unknown> {
    const { realm, principal, requestId } = scope.context;
    const placement = realm.placement;
    if (!placement) throw new Error(`Realm ${realm.slug} is served here; nothing to forward`);
    const token = await this.tokens.issue({
      instance: placement.instance,
      userId: userIdOf(principal),
      realmId: realm.id,
      requestId,
      ...callerOf(principal),
    });
    const timeoutMs = options.timeoutMs ?? (operation.type === 'query' ? queryTimeoutMs : mutationTimeoutMs);
    const signal = options.signal
      ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    const client = this.clientOf(placement, options.wire === 'json' ? 'json' : 'superjson');
    const context = { forwardToken: token, requestId };
    const send = () =>
      operation.type === 'query'
        ? client.query(operation.path, operation.input, { context, signal })
        : client.mutation(operation.path, operation.input, { context, signal });
    try {
      let data: unknown;
      try {
        data = await send();
      } catch (error) {
        // A query changes nothing: one more try when the connection failed before any answer (a
        // worker restarting, a pooled connection the worker had closed). A mutation never.
        if (operation.type !== 'query' || !isConnectionFailure(error) || signal.aborted) throw error;
        data = await send();
      }
      this.observe(placement, 'ok', started);
      return data;
    } catch (error) {
      const failure = this.failureOf(error, placement, realm.slug, operation.path, requestId);
      this.observe(placement, failure instanceof UnavailableError ? 'unavailable' : 'error', started);
      throw failure;
    }
  }

  /**
   * One client per instance and wire format. `json`: plain JSON both ways, so what a JSON client
   * sent goes on as it is and the answer comes back the same; otherwise superjson.
   */
  private clientOf(placement: RealmPlacement, wire: WireFormat): TRPCUntypedClient<AnyRouter> {
    const key = `${wire} ${placement.baseUrl}`;
    let client = this.clients.get(key);
    if (!client) {
      const superjsonWire = wire === 'superjson';
      const link = {
        url: `${placement.baseUrl}/api/trpc`,
        // Queries go as POST too: inputs (filters, uploads' metadata) outgrow a URL.
        methodOverride: 'POST' as const,
        headers: ({ op }: { op: { context: Record<string, unknown> } }): Record<string, string> => ({
          ...(superjsonWire ? { [WIRE_FORMAT_HEADER]: 'superjson' } : {}),
          [FORWARD_TOKEN_HEADER]: String(op.context.forwardToken),
          [REQUEST_ID_HEADER]: String(op.context.requestId),
        }),
      };
      client = createTRPCUntypedClient<AnyRouter>({
        links: [httpLink(superjsonWire ? { ...link, transformer: superjson } : link)],
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private failureOf(
    error: unknown,
    placement: RealmPlacement,
    realmSlug: string,
    path: string,
    requestId: string,
  ): Error {
    const data = error instanceof TRPCClientError ? (error.data as WorkerErrorData | undefined) : undefined;
    const code = data?.code ? domainCodeByTrpcCode[data.code] : undefined;
    if (code && error instanceof Error) {
      return new ForwardedError(code, error.message, data?.details, data?.zodIssues);
    }
    const log = { instance: placement.instance, realm: realmSlug, path, requestId };
    if (data?.code === 'UNAUTHORIZED') {
      // The worker refused the hub, not the user: a key, clock or synchronisation problem to fix.
      this.logger.warn({ ...log, reason: (error as Error).message }, 'instance refused a forwarded call');
    } else if (data?.code) {
      // The worker logged the cause under the same request id.
      return new Error(`Instance ${placement.instance} failed on ${path} (request ${requestId})`);
    } else {
      this.logger.warn({ ...log, err: error }, 'instance unreachable');
    }
    return new UnavailableError(
      `Realm ${realmSlug} is served by instance ${placement.instance}, which is unavailable`,
      { instance: placement.instance, realm: realmSlug },
    );
  }

  private observe(placement: RealmPlacement, outcome: ForwardOutcome, started: number): void {
    this.metrics?.recordForwardedCall(placement.instance, outcome, (performance.now() - started) / 1000);
  }
}

/** No answer at all (no tRPC error data): refused, reset or unreachable, not a worker's refusal. */
function isConnectionFailure(error: unknown): boolean {
  return (
    error instanceof TRPCClientError && error.data === undefined && !(error.cause instanceof DOMException)
  );
}

function userIdOf(principal: Principal): string {
  if (principal.kind === 'system') throw new Error('System principals are not forwarded');
  return principal.userId;
}

function callerOf(principal: Principal): {
  sessionId?: string;
  token?: { id: string; permissions: readonly string[] };
} {
  if (principal.kind === 'user') return { sessionId: principal.sessionId };
  if (principal.kind === 'token') {
    return { token: { id: principal.tokenId, permissions: principal.tokenPermissions } };
  }
  return {};
}
