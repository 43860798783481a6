import { randomUUID } from 'node:crypto';
import { openRequestScope, type Principal, RealmDb, type RealmSummary, type RealmTx } from '@nhi/platform';
import { type NewTestDatabase, setupHub } from '@nhi/platform/testing';
import type { DependencyContainer } from 'tsyringe';
import { DashboardService } from '../service/dashboard.service.ts';
import '../api/dashboard.permissions.ts';

const day = 86_400_000;
const kinds = ['service_account', 'access_key', 'api_key', 'deploy_key'] as const;
const providers = ['aws', 'github', 'kubernetes'] as const;
const environments = ['production', 'staging', 'development', 'unknown'] as const;
const statuses = ['active', 'active', 'active', 'disabled', 'decommissioned'] as const;
const severities = ['low', 'medium', 'high', 'critical'] as const;
const states = ['open', 'open', 'acknowledged', 'resolved', 'suppressed'] as const;
const ages = [null, 5, 45, 89, 91, 150, 200, 364, 366, 800];
const expiries = [null, -3, 10, 29, 31, 200];
/** One row of a realm table's createMany. */
type RowOf<Model extends 'nhi' | 'alert' | 'nhiRiskScore' | 'leak'> = Extract<
  Parameters<RealmTx[Model]['createMany']>[0]['data'],
  readonly unknown[]
>[number];

const severityPoints = { low: 5, medium: 10, high: 20, critical: 40 } as const;

function levelOf(points: number) {
  if (points >= 70) return 'critical' as const;
  if (points >= 40) return 'high' as const;
  return points >= 20 ? ('medium' as const) : ('low' as const);
}

/** A small deterministic sequence: fixtures vary every dimension without depending on Math.random. */
function pick<T>(items: readonly T[], n: number, salt: number): T {
  return items[(n * 7 + salt * 13 + ((n * salt) % 5)) % items.length] as T;
}

/**
 * A hub with realms `hub` (Ana admin, Vic viewer) and `other` (Oli admin), identities of every
 * kind, source, environment, status and credential age, open and closed alerts with risk scores,
 * and leaks, written straight into the tables the inventory, scanner and alerts keep.
 */
export async function setupDashboard(newDatabase: NewTestDatabase) {
  const hub = await setupHub(() => newDatabase());
  const hubRealm = await hub.realm('hub', 'Hub');
  const otherRealm = await hub.realm('other', 'Other');
  const ana = await hub.member('ana@example.com', 'hub', 'admin');
  const bob = await hub.member('bob@example.com', 'hub', 'editor');
  const vic = await hub.member('vic@example.com', 'hub', 'viewer');
  const oli = await hub.member('oli@example.com', 'other', 'admin');
  const now = () => hub.clock.now();
  const at = (days: number) => new Date(now().getTime() + days * day);

  /** Written in a few set-based inserts: the fixture stays fast on a busy machine. */
  async function seed(realm: RealmSummary, count: number, owners: (string | null)[]) {
    const db = new RealmDb(hub.db, realm.id);
    const sourceId = randomUUID();
    const scannedSourceId = randomUUID();
    const nhis: RowOf<'nhi'>[] = [];
    const alerts: (RowOf<'alert'> & { id: string; state: (typeof states)[number] })[] = [];
    const scores: RowOf<'nhiRiskScore'>[] = [];
    const leaks: RowOf<'leak'>[] = [];
    for (let n = 0; n < count; n += 1) {
      const id = randomUUID();
      const age = pick(ages, n, 1);
      const expiry = pick(expiries, n, 2);
      nhis.push({
        id,
        kind: pick(kinds, n, 3),
        provider: pick(providers, n, 4),
        environment: pick(environments, n, 5),
        status: pick(statuses, n, 6),
        externalId: `${realm.slug}-${n}`,
        name: `svc-${String(n).padStart(3, '0')}`,
        ownerUserId: pick(owners, n, 7),
        oldestActiveCredentialAt: age === null ? null : at(-age),
        nextCredentialExpiresAt: expiry === null ? null : at(expiry),
        activeCredentialCount: age === null ? 0 : 1,
        deletedAt: n % 11 === 10 ? at(-1) : null,
      });
      let points = 0;
      for (let a = 0; a < n % 4; a += 1) {
        const severity = pick(severities, n + a, 8);
        const state = pick(states, n + a, 9);
        if (state === 'open' || state === 'acknowledged') points += severityPoints[severity];
        alerts.push({
          id: randomUUID(),
          fingerprint: `${realm.slug}-${n}-${a}`,
          ruleId: `rule-${a}`,
          owaspId: pick(['NHI1', 'NHI2', 'NHI7', 'NHI10'], n + a, 10),
          severity,
          state,
          nhiId: id as string | null,
          subject: `nhi:${id}`,
          firstSeenAt: at(-3),
          lastSeenAt: at(-1),
          stateChangedAt: at(-1),
        });
      }
      if (points > 0) {
        scores.push({
          nhiId: id,
          score: Math.min(100, points),
          level: levelOf(points),
          factors: [{ ruleId: 'rule-0', owaspId: 'NHI7', severity: 'high', points }],
          computedAt: now(),
        });
      }
      if (n % 9 === 0) {
        leaks.push({
          sourceId,
          scanId: 'scan-1',
          rule: 'aws-access-token',
          file: '.env',
          maskedMatch: 'AKIA…WXYZ',
          fingerprint: `fp-${n}`,
          locationKey: `loc-${n}`,
          nhiId: n % 2 === 0 ? id : null,
        });
      }
    }
    // An open alert about something that is no identity of the inventory.
    alerts.push({
      id: randomUUID(),
      fingerprint: `${realm.slug}-orphan`,
      ruleId: 'rule-orphan',
      owaspId: 'NHI5',
      severity: 'high',
      state: 'open',
      nhiId: null,
      subject: 'rolebinding:missing-sa',
      firstSeenAt: at(-2),
      lastSeenAt: at(-1),
      stateChangedAt: at(-1),
    });
    await db.transaction(async (tx) => {
      await tx.source.create({
        data: { id: sourceId, type: 'aws_iam', name: 'prod account', environment: 'production' },
        select: { id: true },
      });
      await tx.scan.create({
        data: {
          sourceId,
          input: 'aws.credential_report',
          state: 'succeeded',
          newCount: 3,
          triggeredByType: 'system',
        },
        select: { id: true },
      });
      await tx.nhi.createMany({ data: nhis });
      await tx.alert.createMany({ data: alerts });
      await tx.alertEvent.createMany({
        data: alerts.map((alert) => ({
          alertId: alert.id,
          toState: alert.state,
          actorType: 'system' as const,
        })),
      });
      await tx.nhiRiskScore.createMany({ data: scores });
      await tx.leak.createMany({ data: leaks });
      // A second scanner source reporting every third identity (deleted ones too).
      await tx.source.create({
        data: { id: scannedSourceId, type: 'github', name: 'github org', environment: 'development' },
        select: { id: true },
      });
      await tx.sourceItem.createMany({
        data: nhis
          .filter((_, n) => n % 3 === 0)
          .map((nhi) => ({
            sourceId: scannedSourceId,
            input: 'github.org',
            nhiId: nhi.id as string,
            contentHash: 'h',
            lastScanId: 'scan-1',
          })),
      });
    });
    return { sourceId, scannedSourceId };
  }

  const hubSources = await seed(hubRealm, 60, [ana.id, bob.id, null]);
  await seed(otherRealm, 7, [oli.id]);

  const principalOf = (user: { id: string; email: string }): Principal => ({
    kind: 'user',
    userId: user.id,
    email: user.email,
    sessionId: 'test-session',
  });

  async function scopeOf(user: { id: string; email: string } = ana, realm: RealmSummary = hubRealm) {
    const scope = await openRequestScope(hub.root, {
      context: { requestId: `req-${user.email}`, realm, principal: principalOf(user), clock: hub.clock },
      credential: 'bearer',
    });
    return scope.container as DependencyContainer;
  }

  const dashboardOf = async (user?: { id: string; email: string }, realm?: RealmSummary) =>
    (await scopeOf(user, realm)).resolve(DashboardService);

  return { ...hub, hubRealm, otherRealm, hubSources, ana, bob, vic, oli, at, scopeOf, dashboardOf };
}
