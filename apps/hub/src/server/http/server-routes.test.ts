import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const routesDir = path.resolve(import.meta.dirname, '../../routes');

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/**
 * Every route that answers HTTP itself (server handlers, no page), and what stands in front of
 * it. Pages and serverFns have their own checks (authGuard or publicServerFn); these do not pass
 * through either, so each one is a decision written down here.
 */
const serverRoutes: Record<string, string> = {
  '/.well-known/jwks.json': 'public: the keys that verify sessions and forwarded calls',
  '/api/export/alerts': 'authenticateRequest + alert:read, coverage in the statement (export-endpoint tests)',
  '/api/export/leaks': 'authenticateRequest + leak:read, coverage in the statement (export-endpoint tests)',
  '/api/instance/realm-move': 'a call signed by the hub’s keys (forward token)',
  '/api/instance/sync': 'a call signed by the hub’s keys (forward token)',
  '/api/hooks/sources/$realm/$sourceId':
    'public with signature: GitHub’s HMAC, GitLab’s token or an SNS signature, under the source’s settings (source-events tests)',
  '/api/hooks/tickets/$realm/$channelId':
    'public with signature: the HMAC of the body under the tracker channel’s webhook secret (alert-tickets tests)',
  '/api/reports/posture.pdf':
    'authenticateRequest + same-origin for a session, then dashboard.report.produce (report:read; report-pdf-endpoint tests)',
  '/api/trpc/$': 'every procedure declares its permission (procedure-permissions tests)',
  '/auth/oidc/$provider/callback':
    'public: a session only from the flow cookie and the provider’s signed answer',
  '/auth/oidc/$provider/start': 'public: starts a sign-in at a configured provider, unknown ones 404',
  '/healthz': 'public probe',
  '/metrics': 'public: Prometheus metrics, labelled by route pattern only',
  '/readyz': 'public probe',
  '/scim/v2/$': 'a SCIM token of one realm; another realm’s resources answer 404 (scim.e2e, scim tests)',
};

function declaredServerRoutes(): string[] {
  return routeFiles(routesDir)
    .map((file) => fs.readFileSync(file, 'utf8'))
    .filter((source) => /server:\s*\{[\s\S]*handlers/.test(source))
    .map((source) => /createFileRoute\('([^']+)'\)/.exec(source)?.[1] ?? '(no createFileRoute)')
    .sort();
}

describe('server routes', () => {
  it('are each listed with what guards them', () => {
    expect(declaredServerRoutes()).toEqual(Object.keys(serverRoutes).sort());
  });
});
