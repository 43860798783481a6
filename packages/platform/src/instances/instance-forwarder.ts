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

/** A plain HTTP route sent on to an instance: its path (with the query) is the same there. */
export interface ForwardedRequest {
  method: 'GET' | 'POST';
  path: string;
  /** The caller's headers; the connection's own and the caller's credentials stay behind. */
  headers?: Headers;
  body?: string;
  /** The caller left: the instance's request is abandoned, its body too. */
  signal?: AbortSignal;
  /** How long the instance may take before its answer's headers arrive. */
  answerTimeoutMs?: number;
}

/**
 * Set by a worker on the 401 that refuses the hub's own token, so the hub tells it from the 401
 * a route gives its caller (a webhook's bad signature).
 */
export const INSTANCE_REFUSED_HEADER = 'x-nhi-instance-refused';

/** Headers of the connection itself, and credentials meant for the hub, never sent on. */
const unforwardedHeaders = new Set([
  'authorization',
  'connection',
  'content-length',
  'cookie',
  'expect',
  'host',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  FORWARD_TOKEN_HEADER,
  REQUEST_ID_HEADER,
]);

/** What an instance has to start answering a forwarded HTTP route in; the body may take longer. */
const answerTimeoutMs = 30_000;

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
    const { realm, requestId } = scope.context;
    const { placement, token } = await this.forwardTokenOf(scope);
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

  /** Where the realm of `scope` is served, and a forward token for its user there. */
  private async forwardTokenOf(scope: Pick<RequestScope, 'context'>) {
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
    return { placement, token };
  }

  /**
   * A plain HTTP route for the user of `scope` (a streamed export, say) at the instance serving the
   * realm, signed with the same forward token as a tRPC call: the worker authenticates it as one
   * and decides the permission. The answer is returned as soon as its headers arrive, its body
   * unread, so the caller passes it on as it streams. A worker that does not answer, or refuses
   * the hub's token, is reported unavailable; any other answer is the worker's to give.
   */
  async forwardRequest(scope: Pick<RequestScope, 'context'>, request: ForwardedRequest): Promise<Response> {
    const { realm, requestId } = scope.context;
    const { placement, token } = await this.forwardTokenOf(scope);
    // The user was authenticated here: a 401 there is the hub refused (keys, clocks, sync).
    return this.send(placement, realm.slug, token, requestId, request, (response) => response.status === 401);
  }

  /**
   * A request that is the hub's own, not a user's (a provider's webhook for a placed realm), sent
   * with an instance token. The worker marks a refusal of that token with INSTANCE_REFUSED_HEADER,
   * so its own 401s (a webhook's bad signature) pass through as answers.
   */
  async deliverToInstance(
    placement: RealmPlacement,
    realmSlug: string,
    requestId: string,
    request: ForwardedRequest,
  ): Promise<Response> {
    const token = await this.tokens.issueForInstance(placement.instance, requestId);
    return this.send(
      placement,
      realmSlug,
      token,
      requestId,
      request,
      (response) => response.status === 401 && response.headers.has(INSTANCE_REFUSED_HEADER),
    );
  }

  private async send(
    placement: RealmPlacement,
    realmSlug: string,
    token: string,
    requestId: string,
    request: ForwardedRequest,
    refusesHub: (response: Response) => boolean,
  ): Promise<Response> {
    const headers = new Headers();
    for (const [name, value] of request.headers ?? [])
      if (!unforwardedHeaders.has(name)) headers.set(name, value);
    headers.set(FORWARD_TOKEN_HEADER, token);
    headers.set(REQUEST_ID_HEADER, requestId);
    const started = performance.now();
    const attempt = () => fetchUntilAnswered(`${placement.baseUrl}${request.path}`, request, headers);
    const log = { instance: placement.instance, realm: realmSlug, path: request.path, requestId };
    try {
      let response: Response;
      try {
        response = await attempt();
      } catch (error) {
        // As for a query: a GET changes nothing, so one more try when the connection failed.
        if (request.method !== 'GET' || request.signal?.aborted || isAbort(error)) throw error;
        response = await attempt();
      }
      if (refusesHub(response)) {
        void response.body?.cancel();
        this.observe(placement, 'unavailable', started);
        this.logger.warn(log, 'instance refused a forwarded call');
        throw unavailable(placement, realmSlug);
      }
      this.observe(placement, response.status >= 500 ? 'error' : 'ok', started);
      return response;
    } catch (error) {
      if (error instanceof UnavailableError || request.signal?.aborted) throw error;
      this.observe(placement, 'unavailable', started);
      this.logger.warn({ ...log, err: error }, 'instance unreachable');
      throw unavailable(placement, realmSlug);
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
    return unavailable(placement, realmSlug);
  }

  private observe(placement: RealmPlacement, outcome: ForwardOutcome, started: number): void {
    this.metrics?.recordForwardedCall(placement.instance, outcome, (performance.now() - started) / 1000);
  }
}

function unavailable(placement: RealmPlacement, realmSlug: string): UnavailableError {
  return new UnavailableError(
    `Realm ${realmSlug} is served by instance ${placement.instance}, which is unavailable`,
    { instance: placement.instance, realm: realmSlug },
  );
}

/**
 * The fetch, abandoned when no headers have come within the deadline; once they have, the body
 * streams as long as the caller reads it (an export of a large realm takes minutes), and stops
 * when the caller's signal does.
 */
async function fetchUntilAnswered(
  url: string,
  request: ForwardedRequest,
  headers: Headers,
): Promise<Response> {
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException('The instance did not answer in time', 'TimeoutError')),
    request.answerTimeoutMs ?? answerTimeoutMs,
  );
  try {
    return await fetch(url, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
      signal: request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal,
    });
  } finally {
    clearTimeout(timer);
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'AbortError' || error.name === 'TimeoutError');
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
