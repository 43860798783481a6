import { describe, expect, it } from 'vitest';
import { createRouteLabeler, unmatchedRoute } from './route-label.ts';
import { appRoutePatterns } from './route-patterns.ts';

describe('route labels', () => {
  it('names a request by its route pattern', () => {
    const label = createRouteLabeler(['/', '/login', '/realms/$slug', '/api/trpc/$']);

    expect(label('/')).toBe('/');
    expect(label('/login')).toBe('/login');
    expect(label('/realms/ops')).toBe('/realms/$slug');
    expect(label('/api/trpc/platform.whoami')).toBe('/api/trpc/$');
    expect(label('/api/trpc/a,b')).toBe('/api/trpc/$');
  });

  it('prefers a literal route over a parameter', () => {
    const label = createRouteLabeler(['/realms/$slug', '/realms/new']);

    expect(label('/realms/new')).toBe('/realms/new');
  });

  it('gives every unknown path one label, so invented URLs cannot grow the metrics', () => {
    const label = createRouteLabeler(['/', '/login']);

    expect(label('/wp-admin.php')).toBe(unmatchedRoute);
    expect(label('/login/extra')).toBe(unmatchedRoute);
  });

  it('knows every route of the app and the paths Start serves itself', () => {
    const label = createRouteLabeler(appRoutePatterns());

    expect(label('/')).toBe('/');
    expect(label('/login')).toBe('/login');
    expect(label('/healthz')).toBe('/healthz');
    expect(label('/readyz')).toBe('/readyz');
    expect(label('/metrics')).toBe('/metrics');
    expect(label('/.well-known/jwks.json')).toBe('/.well-known/jwks.json');
    expect(label('/api/trpc/platform.whoami')).toBe('/api/trpc/$');
    expect(label('/_serverFn/abc123')).toBe('/_serverFn/$');
    expect(label('/assets/index-abc.js')).toBe('/assets/$');
  });
});
