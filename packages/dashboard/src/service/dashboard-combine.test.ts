import { describe, expect, it } from 'vitest';
import type { DashboardFigures, DashboardOverview } from '../api/dashboard-view.ts';
import { combineOverviews, type RealmOverview } from './dashboard-combine.ts';

function figures(over: Partial<DashboardFigures> = {}): DashboardFigures {
  return {
    nhiTotal: 10,
    nhiActive: 8,
    unowned: 2,
    credentialsOlderThan90: 3,
    expiringWithin30: 1,
    openAlerts: { critical: 1, high: 2, medium: 3, low: 4 },
    riskScore: 20,
    leaks: 1,
    ...over,
  };
}

function realm(slug: string, over: Partial<DashboardOverview> = {}): RealmOverview {
  return {
    realm: { slug, name: slug.toUpperCase() },
    overview: {
      asOf: new Date('2026-03-02T09:00:00Z'),
      filter: {},
      figures: figures(),
      weekAgo: figures(),
      byKind: [{ key: 'bot', count: 10 }],
      byProvider: [{ key: 'aws', count: 10 }],
      byEnvironment: [{ key: 'production', count: 10 }],
      credentialAge: [{ key: '0-30', count: 8 }],
      openAlertsByOwasp: [{ key: 'NHI1', count: 10 }],
      riskLevels: [{ key: 'none', count: 8 }],
      trend: [{ day: '2026-03-02', openAlerts: 10, riskScore: 20 }],
      trendWithheld: null,
      trendDays: 30,
      disabledRules: [],
      fixFirst: [],
      topOwners: [],
      recentScans: [],
      recentAlertActivity: [],
      sources: [],
      ...over,
    },
  };
}

function setup() {
  const small = realm('ops', {
    figures: figures({ nhiActive: 2, nhiTotal: 2, riskScore: 80 }),
    weekAgo: null,
    openAlertsByOwasp: [
      { key: 'NHI7', count: 30 },
      { key: 'NHI1', count: 1 },
    ],
    trend: [
      { day: '2026-03-01', openAlerts: 5, riskScore: 70 },
      { day: '2026-03-02', openAlerts: 4, riskScore: 80 },
    ],
    topOwners: [{ owner: { id: 'u1', email: 'ana@example.com' }, openAlerts: 3 }],
    fixFirst: [fix('db-admin', 90)],
  });
  const large = realm('hub', {
    topOwners: [
      { owner: { id: 'u9', email: 'ana@example.com' }, openAlerts: 2 },
      { owner: { id: 'u2', email: 'bob@example.com' }, openAlerts: 4 },
    ],
    fixFirst: Array.from({ length: 10 }, (_, i) => fix(`svc-${i}`, 95 - i * 5)),
  });
  return { small, large };
}

function fix(name: string, score: number) {
  return {
    nhiId: name,
    name,
    kind: 'service_account' as const,
    provider: 'aws' as const,
    environment: 'production' as const,
    score,
    level: 'critical' as const,
    owner: null,
    mainFactor: null,
  };
}

describe('combined overview of several realms', () => {
  it('adds the counts and weighs each realm’s risk score by its active identities', () => {
    const { small, large } = setup();

    const combined = combineOverviews([small, large]);

    expect(combined.figures.nhiTotal).toBe(12);
    expect(combined.figures.nhiActive).toBe(10);
    expect(combined.figures.openAlerts).toEqual({ critical: 2, high: 4, medium: 6, low: 8 });
    expect(combined.figures.riskScore).toBe((80 * 2 + 20 * 8) / 10);
    expect(combined.byKind).toEqual([{ key: 'bot', count: 20 }]);
    expect(combined.openAlertsByOwasp).toEqual([
      { key: 'NHI7', count: 30 },
      { key: 'NHI1', count: 11 },
    ]);
  });

  it('merges the lists, keeps their size and says which realm each item comes from', () => {
    const { small, large } = setup();

    const combined = combineOverviews([small, large]);

    expect(combined.fixFirst).toHaveLength(10);
    expect(
      combined.fixFirst.slice(0, 3).map((item) => `${item.realm.slug}/${item.name}@${item.score}`),
    ).toEqual(['hub/svc-0@95', 'ops/db-admin@90', 'hub/svc-1@90']);
    expect(combined.topOwners.map((o) => `${o.owner.email}:${o.openAlerts}`)).toEqual([
      'ana@example.com:5',
      'bob@example.com:4',
    ]);
  });

  it('trends only over days every realm has, and shows no week’s change unless every realm has one', () => {
    const { small, large } = setup();

    const combined = combineOverviews([small, large]);

    expect(combined.trend).toEqual([
      { day: '2026-03-02', openAlerts: 14, riskScore: (80 * 2 + 20 * 8) / 10 },
    ]);
    expect(combined.weekAgo).toBeNull();
    expect(combineOverviews([large, large]).weekAgo?.nhiTotal).toBe(20);
  });

  it('has no trend when a realm has none (a scoped caller’s), and says why', () => {
    const { large } = setup();
    const scoped = realm('team', { trend: null, trendWithheld: 'Trends are kept for the whole realm' });

    const combined = combineOverviews([large, scoped]);

    expect(combined.trend).toBeNull();
    expect(combined.trendWithheld).toBe('Trends are kept for the whole realm');
    expect(combineOverviews([large, large]).trendWithheld).toBeNull();
  });

  it('combines nothing into an empty overview', () => {
    const combined = combineOverviews([]);

    expect(combined.figures.nhiTotal).toBe(0);
    expect(combined.figures.riskScore).toBe(0);
    expect(combined.trend).toEqual([]);
  });
});
