/** What a metric or log line calls a request: its route pattern, never the raw URL. */
export type RouteLabeler = (pathname: string) => string;

export const unmatchedRoute = 'unmatched';

/**
 * Matches paths against route patterns in TanStack Router's notation: `$` is a splat,
 * `$name` one segment. Label cardinality stays bounded by the number of routes,
 * whatever URLs clients invent.
 */
export function createRouteLabeler(patterns: Iterable<string>): RouteLabeler {
  const compiled = [...new Set(patterns)]
    .map((pattern) => ({ pattern, segments: segmentsOf(pattern) }))
    // Literal routes win over parameterised ones, longer over shorter.
    .sort((a, b) => specificity(b.segments) - specificity(a.segments));
  return (pathname) => {
    const path = segmentsOf(pathname);
    return compiled.find(({ segments }) => matches(segments, path))?.pattern ?? unmatchedRoute;
  };
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function specificity(segments: string[]): number {
  return segments.reduce(
    (score, segment) => score + (segment === '$' ? 1 : segment.startsWith('$') ? 2 : 3),
    0,
  );
}

function matches(pattern: string[], path: string[]): boolean {
  for (const [index, segment] of pattern.entries()) {
    if (segment === '$') return path.length > index;
    const actual = path[index];
    if (actual === undefined) return false;
    if (!segment.startsWith('$') && segment !== actual) return false;
  }
  return pattern.length === path.length;
}
