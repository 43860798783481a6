import { PdfRendererUnavailableError, ReportPdfRenderer } from '@nhi/dashboard';
import { reportDocumentHtml } from '@nhi/dashboard/report-html';
import {
  authenticateRequest,
  CONFIG,
  type DomainError,
  isDomainError,
  isSameOriginRequest,
  type Logger,
  PermissionDeniedError,
  toHttpStatus,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { hubCaller } from '../rpc/caller.server.ts';

export interface ReportPdfDeps {
  root: DependencyContainer;
  logger: Logger;
  requestId: string;
}

/**
 * GET /api/reports/posture.pdf: the realm's posture report, produced (and kept, so the next report
 * compares with it) through dashboard.report.produce, which checks report:read and refuses a
 * scoped member, then printed by headless Chromium from the HTML string itself. The browser is
 * given no session and no address of the hub. Authentication as for /api/trpc: an API token, or
 * the session cookie from our own pages; the realm from the `x-nhi-realm` header or the `realm`
 * parameter (a download link cannot set a header). Refusals are JSON.
 */
export async function reportPdfResponse(request: Request, deps: ReportPdfDeps): Promise<Response> {
  const url = new URL(request.url);
  try {
    const scope = await authenticateRequest(deps.root, {
      headers: request.headers,
      requestId: deps.requestId,
      pageRealm: url.searchParams.get('realm') ?? undefined,
    });
    // A cookie rides along on any site's link: only our own pages may produce a report with it.
    const trustProxy = deps.root.resolve(CONFIG).NHI_TRUST_PROXY;
    if (scope.credential === 'session' && !isSameOriginRequest(request.headers, request.url, trustProxy))
      throw new PermissionDeniedError('same-origin');
    // Checked before the report is produced: a download that cannot be printed keeps nothing.
    const renderer = deps.root.resolve(ReportPdfRenderer);
    if (!renderer.available()) throw new PdfRendererUnavailableError(renderer.executablePath);
    const report = await hubCaller(deps.root, scope).dashboard.report.produce.mutate();
    const pdf = await renderer.render(reportDocumentHtml(report));
    const name = `posture-report-${report.figures.realm.slug}-${report.figures.asOf.slice(0, 10)}.pdf`;
    return new Response(new Uint8Array(pdf), {
      headers: {
        'content-type': 'application/pdf',
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'no-store',
      },
    });
  } catch (error) {
    return refusal(error, deps);
  }
}

/** The domain error behind a failure: the caller's arrive wrapped (client error, then tRPC error). */
function domainErrorOf(error: unknown): DomainError | null {
  for (let at = error, depth = 0; at && depth < 4; at = (at as { cause?: unknown }).cause, depth += 1)
    if (isDomainError(at)) return at;
  return null;
}

function refusal(error: unknown, deps: ReportPdfDeps): Response {
  const domain = domainErrorOf(error);
  if (domain) {
    const body = { error: { code: domain.code, message: domain.message } };
    return Response.json(body, { status: toHttpStatus(domain) });
  }
  deps.logger.error({ err: error, requestId: deps.requestId }, 'posture report PDF failed');
  return Response.json(
    { error: { code: 'INTERNAL', message: `Internal error (request ${deps.requestId})` } },
    { status: 500 },
  );
}
