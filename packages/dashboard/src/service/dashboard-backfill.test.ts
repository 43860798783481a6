import { randomUUID } from 'node:crypto';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import type { TrendPoint } from '../api/dashboard-view.ts';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';

type AlertState = 'open' | 'acknowledged' | 'resolved' | 'suppressed';

/** Instants are written as UTC times; the test clock stands at 2026-03-02T09:00Z. */
interface Fixture {
  identities: { firstSeenAt: string; deletedAt?: string }[];
  /** Each alert's state history, oldest first. */
  alerts: [at: string, state: AlertState][][];
  /** Days that already have a measured snapshot, with the identities it counted. */
  snapshots?: { day: string; nhiTotal: number; openAlerts: number }[];
  filter?: { environment?: 'production'[] };
  /** `day identities openAlerts kind` for every point of the 7-day trend, today's live one last. */
  expected: string[];
}

const history: Fixture['alerts'] = [
  [
    ['2026-02-24T08:00:00Z', 'open'],
    ['2026-02-26T08:00:00Z', 'acknowledged'],
    ['2026-02-27T01:00:00Z', 'open'],
    ['2026-03-01T05:00:00Z', 'resolved'],
  ],
  [
    ['2026-02-28T10:00:00Z', 'open'],
    ['2026-02-28T11:00:00Z', 'suppressed'],
  ],
];

const identities: Fixture['identities'] = [
  { firstSeenAt: '2026-01-10T12:00:00Z' },
  { firstSeenAt: '2026-02-25T10:00:00Z' },
  // First seen at midnight: known at the 00:00 of that very day.
  { firstSeenAt: '2026-02-26T00:00:00Z' },
  { firstSeenAt: '2026-02-27T15:00:00Z', deletedAt: '2026-02-28T12:00:00Z' },
];

const cases: [string, Fixture][] = [
  [
    'a realm without snapshots: every past day of the range is estimated from first-seen dates and alert history',
    {
      identities,
      alerts: history,
      expected: [
        '2026-02-23 1 0 estimated',
        '2026-02-24 1 0 estimated',
        '2026-02-25 1 1 estimated',
        '2026-02-26 3 1 estimated',
        '2026-02-27 3 0 estimated',
        '2026-02-28 4 1 estimated',
        '2026-03-01 3 1 estimated',
        '2026-03-02 3 0 measured',
      ],
    },
  ],
  [
    'a realm with snapshots from 2026-02-27: only the days before the first snapshot are estimated',
    {
      identities,
      alerts: history,
      snapshots: [
        { day: '2026-02-27', nhiTotal: 9, openAlerts: 7 },
        { day: '2026-03-01', nhiTotal: 8, openAlerts: 6 },
      ],
      expected: [
        '2026-02-23 1 0 estimated',
        '2026-02-24 1 0 estimated',
        '2026-02-25 1 1 estimated',
        '2026-02-26 3 1 estimated',
        '2026-02-27 9 7 measured',
        '2026-03-01 8 6 measured',
        '2026-03-02 3 0 measured',
      ],
    },
  ],
  [
    'a realm whose first identity appeared two days ago: the trend starts the day after',
    {
      identities: [{ firstSeenAt: '2026-02-28T10:00:00Z' }],
      alerts: [],
      expected: ['2026-03-01 1 0 estimated', '2026-03-02 1 0 measured'],
    },
  ],
  [
    'a realm whose first snapshot is older than the range: nothing is estimated',
    {
      identities,
      alerts: history,
      snapshots: [{ day: '2026-02-01', nhiTotal: 1, openAlerts: 0 }],
      expected: ['2026-03-02 3 0 measured'],
    },
  ],
  [
    'a filtered page: nothing is estimated, as past environments are not known',
    {
      identities,
      alerts: history,
      filter: { environment: ['production'] },
      expected: [],
    },
  ],
];

describeEachDatabase('dashboard trend backfill', (_kind, newDatabase) => {
  async function setup(fixture: Fixture) {
    const t = await setupDashboard(newDatabase);
    const realm = await t.realm('trend', 'Trend');
    const tia = await t.member('tia@example.com', 'trend', 'admin');
    await new RealmDb(t.db, realm.id).transaction(async (tx) => {
      await tx.nhi.createMany({
        data: fixture.identities.map((identity, n) => ({
          kind: 'service_account' as const,
          provider: 'aws' as const,
          environment: 'production' as const,
          externalId: `trend-${n}`,
          name: `svc-${n}`,
          firstSeenAt: new Date(identity.firstSeenAt),
          createdAt: new Date('2026-03-02T08:00:00Z'),
          deletedAt: identity.deletedAt ? new Date(identity.deletedAt) : null,
        })),
      });
      for (const [n, states] of fixture.alerts.entries()) {
        const alertId = randomUUID();
        const [first] = states[0] ?? [];
        const [lastAt, lastState] = states.at(-1) ?? [];
        await tx.alert.create({
          data: {
            id: alertId,
            fingerprint: `trend-${n}`,
            ruleId: 'rule-0',
            owaspId: 'NHI7',
            severity: 'high',
            state: lastState,
            subject: `trend-${n}`,
            firstSeenAt: new Date(first ?? ''),
            lastSeenAt: new Date(lastAt ?? ''),
            stateChangedAt: new Date(lastAt ?? ''),
          },
          select: { id: true },
        });
        await tx.alertEvent.createMany({
          data: states.map(([at, state], i) => ({
            alertId,
            fromState: i === 0 ? null : (states[i - 1]?.[1] ?? null),
            toState: state,
            actorType: 'system' as const,
            createdAt: new Date(at),
          })),
        });
        // An assignment is history too, but no change of state: it ends no open period.
        await tx.alertEvent.create({
          data: {
            alertId,
            kind: 'assignment',
            toState: 'open',
            actorType: 'system',
            createdAt: new Date('2026-02-23T12:00:00Z'),
          },
          select: { id: true },
        });
      }
      for (const snapshot of fixture.snapshots ?? []) {
        await tx.dashboardSnapshot.create({
          data: {
            day: new Date(`${snapshot.day}T00:00:00Z`),
            openAlerts: snapshot.openAlerts,
            riskScore: 10,
            figures: { nhiTotal: snapshot.nhiTotal },
            takenAt: new Date(`${snapshot.day}T00:05:00Z`),
          },
          select: { day: true },
        });
      }
    });
    const service = await t.dashboardOf(tia, realm);
    return { ...t, service };
  }

  const pointOf = (point: TrendPoint) =>
    `${point.day} ${point.nhiTotal} ${point.openAlerts} ${point.estimated ? 'estimated' : 'measured'}`;

  it.each(cases)('%s', async (_name, fixture) => {
    const t = await setup(fixture);

    const overview = await t.service.overview(fixture.filter ?? {}, { trendDays: 7 });

    expect(overview.trend?.map(pointOf)).toEqual(fixture.expected);
    expect(
      overview.trend?.filter((point) => point.estimated).every((point) => point.riskScore === null),
    ).toBe(true);
  });
});
