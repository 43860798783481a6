import type { RequestOptions } from 'node:http';

/**
 * Outbound URLs as a trace shows them: scheme, host, port and path. Query values (a tRPC input, an
 * access token some API takes as a parameter) and user:password become REDACTED; the parameter
 * names stay, which is what tells two calls apart.
 */
export function redactedUrlAttributes(url: URL): { 'url.full': string; 'url.query': string } {
  return { 'url.full': `${url.origin}${url.pathname}`, 'url.query': redactedQuery(url.searchParams) };
}

function redactedQuery(params: URLSearchParams): string {
  const names = [...new Set(params.keys())];
  return names.length === 0
    ? ''
    : `?${names.map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&')}`;
}

/** The same for a node:http(s) request, described by its options rather than a URL. */
export function redactedRequestAttributes(options: RequestOptions): { 'url.full': string } {
  const protocol = options.protocol ?? 'http:';
  const host = options.hostname ?? options.host ?? 'localhost';
  const port = options.port ? `:${options.port}` : '';
  const path = (options.path ?? '/').split('?')[0];
  return { 'url.full': `${protocol}//${host}${port}${path}` };
}
