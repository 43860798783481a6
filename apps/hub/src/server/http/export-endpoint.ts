import { AlertExportService, alertExportMedia } from '@nhi/alert';
import {
  authenticateRequest,
  CONFIG,
  isDomainError,
  isSameOriginRequest,
  type Logger,
  PermissionDeniedError,
  type PermissionKey,
  type RequestScope,
  requirePermission,
  toHttpStatus,
} from '@nhi/platform';
import { LeakExportService, leakExportMedia } from '@nhi/scanner';
import type { DependencyContainer } from 'tsyringe';
import { buildVersion } from '../ops/build-version.ts';
import { forwardedGet } from './forwarded-route.ts';

export interface ExportEndpointDeps {
  root: DependencyContainer;
  logger: Logger;
  requestId: string;
}

/** What one export route serves: the permission it asks, and how it writes its file from the query. */
interface ExportKind {
  permission: PermissionKey;
  open(
    scope: RequestScope,
    query: URLSearchParams,
    product: { version: string; informationUri?: string },
  ): {
    chunks: AsyncGenerator<string>;
    contentType: string;
    extension: string;
  };
}

/** Repeated or comma-separated values of a query parameter: `state=open&state=resolved` or `state=open,resolved`. */
function listOf(query: URLSearchParams, name: string): string[] | undefined {
  const values = query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .filter(Boolean);
  return values.length > 0 ? values : undefined;
}

export const alertExport: ExportKind = {
  permission: 'alert:read',
  open(scope, query, product) {
    const input = {
      format: (query.get('format') ?? 'ocsf') as never,
      states: listOf(query, 'state') as never,
      severities: listOf(query, 'severity') as never,
      ruleIds: listOf(query, 'rule'),
    };
    const chunks = scope.container.resolve(AlertExportService).export(input, product);
    return { chunks, ...alertExportMedia[input.format as 'ocsf' | 'csv'] };
  },
};

export const leakExport: ExportKind = {
  permission: 'leak:read',
  open(scope, query, product) {
    const input = {
      format: (query.get('format') ?? 'sarif') as never,
      status: (query.get('status') ?? undefined) as never,
    };
    const chunks = scope.container.resolve(LeakExportService).export(input, product);
    return { chunks, ...leakExportMedia };
  },
};

/**
 * GET /api/export/alerts and /api/export/leaks: the same authentication as /api/trpc (an API token,
 * or the session cookie from our own pages), the realm from the `x-nhi-realm` header or the
 * `realm` parameter (a download link cannot set a header), then the file, streamed as it is read.
 * Refusals are JSON: 401 without a credential, 403 without the permission, 400 for bad parameters.
 * A realm a worker instance serves is exported there: the request goes on with a forward token and
 * the worker's file streams back through; 503 when the worker does not answer.
 */
export async function exportResponse(
  request: Request,
  kind: ExportKind,
  deps: ExportEndpointDeps,
): Promise<Response> {
  const url = new URL(request.url);
  try {
    const scope = await exportScope(request, url, kind, deps);
    if (scope.context.realm.placement) return await forwardedGet(request, scope, deps.root);
    const config = deps.root.resolve(CONFIG);
    const product = { version: buildVersion, informationUri: config.NHI_PUBLIC_URL };
    const file = kind.open(scope, url.searchParams, product);
    const name = `nhi-${url.pathname.split('/').at(-1)}-${scope.context.realm.slug}-${scope.context.clock.now().toISOString().slice(0, 10)}.${file.extension}`;
    return new Response(streamOf(file.chunks, deps), {
      headers: {
        'content-type': file.contentType,
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'no-store',
      },
    });
  } catch (error) {
    return refusal(error, deps);
  }
}

async function exportScope(request: Request, url: URL, kind: ExportKind, deps: ExportEndpointDeps) {
  const scope = await authenticateRequest(deps.root, {
    headers: request.headers,
    requestId: deps.requestId,
    pageRealm: url.searchParams.get('realm') ?? undefined,
  });
  // A cookie rides along on any site's link: only our own pages may start a download with it.
  const trustProxy = deps.root.resolve(CONFIG).NHI_TRUST_PROXY;
  if (scope.credential === 'session' && !isSameOriginRequest(request.headers, request.url, trustProxy))
    throw new PermissionDeniedError('same-origin');
  // A worker's realm is checked there, against its policies, as a forwarded procedure is.
  if (!scope.context.realm.placement) requirePermission(scope, kind.permission);
  return scope;
}

function refusal(error: unknown, deps: ExportEndpointDeps): Response {
  if (isDomainError(error)) {
    const body = { error: { code: error.code, message: error.message, ...(error.details ?? {}) } };
    return Response.json(body, { status: toHttpStatus(error) });
  }
  deps.logger.error({ err: error, requestId: deps.requestId }, 'export failed');
  return Response.json(
    { error: { code: 'INTERNAL', message: `Internal error (request ${deps.requestId})` } },
    { status: 500 },
  );
}

/**
 * The chunks as a byte stream, read only as fast as the client takes them (pull), so a slow
 * download holds one batch at a time; a client that leaves stops the reading.
 */
function streamOf(chunks: AsyncGenerator<string>, deps: ExportEndpointDeps): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        deps.logger.error({ err: error, requestId: deps.requestId }, 'export stopped');
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
