/**
 * The page policy: only our own origin, plus the per-render nonce Start stamps on the
 * inline scripts and styles it emits for hydration. Without a nonce (API responses,
 * error pages) nothing inline runs at all.
 */
const radixTabsStyleHashes = [
  'sha256-MtxTLcyxVEJFNLEIqbVTaqR4WWr0+lYSZ78AzGmNsuA=',
  'sha256-PhrR5O1xWiklTp5YfH8xWeig83Y/rhbrdb5whLn1pSg=',
]
  .map((hash) => `'${hash}'`)
  .join(' ');

export function contentSecurityPolicy(nonce?: string): string {
  const inline = nonce ? ` 'nonce-${nonce}'` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${inline}`,
    `style-src 'self'${inline}`,
    // The two style attributes the tab primitive renders on the server (`outline:none` on the tab
    // list, `animation-duration:0s` on the panel), allowed by their hashes and nothing else.
    `style-src-attr 'unsafe-hashes' ${radixTabsStyleHashes}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const hstsMaxAgeSeconds = 60 * 60 * 24 * 365;

/**
 * Answers that hold nothing of a realm or a session, which other processes fetch often: the
 * hub's public signing keys, which workers read to verify forwarded calls. Their handlers say
 * how long they may be cached; everywhere else a handler's caching header is overridden.
 */
const publiclyCacheablePaths = new Set(['/.well-known/jwks.json']);

/**
 * Headers every response the app renders carries. A CSP already set (by a page render, with its
 * nonce) is kept. Nothing the app renders may be stored by a browser or a proxy: pages and API
 * answers carry a realm's data or a session, and a shared cache would hand them to the next
 * visitor (the public key set excepted, see above). Built assets, which can be cached, never
 * reach this: they are served before the app.
 */
export function applySecurityHeaders(headers: Headers, options: { https: boolean; path?: string }): void {
  if (!headers.has('content-security-policy'))
    headers.set('content-security-policy', contentSecurityPolicy());
  const publiclyCacheable =
    options.path !== undefined && publiclyCacheablePaths.has(options.path) && headers.has('cache-control');
  if (!publiclyCacheable) headers.set('cache-control', 'no-store');
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'strict-origin-when-cross-origin');
  // Over plain http the header is ignored by browsers and would only mislead.
  if (options.https)
    headers.set('strict-transport-security', `max-age=${hstsMaxAgeSeconds}; includeSubDomains`);
}
