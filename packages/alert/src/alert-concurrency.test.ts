import type { PlatformDatabase } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { evaluateInTransaction } from './alert-evaluation.ts';
import { setupAlerts } from './alert-test-setup.ts';

describeEachDatabase('Alert evaluations at once', (kind, newDatabase) => {
  it('opens each alert once when two first passes of a realm overlap', async () => {
    const w = await setupAlerts(newDatabase);
    for (let i = 0; i < 3; i++) await w.credential((await w.machine({ ownerUserId: null })).id);
    const fullPass = (afterwards: () => Promise<void> = async () => {}) =>
      w.realmDb.transaction(async (tx) => {
        const result = await evaluateInTransaction(tx, w.hubRealm.id, w.clock.now(), { all: true });
        await afterwards();
        return result;
      });

    // The first pass inserts its alerts and holds them uncommitted; the second finds the realm
    // still without alerts, so it inserts without conflict handling and waits on the first's rows.
    let inserted!: () => void;
    const firstInserted = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = fullPass(async () => {
      inserted();
      await released;
    });
    await firstInserted;
    const second = fullPass();
    // One connection (PGlite) runs the second pass only after the first ends.
    if (kind === 'postgres') await untilSomeoneWaitsOnALock(w.db);
    release();
    const [firstResult, secondResult] = await Promise.all([first, second]);

    expect(firstResult).toMatchObject({ opened: 3 });
    expect(secondResult).toMatchObject({ findings: 3, opened: 0, resolved: 0 });
    const alerts = await w.alerts();
    expect(alerts.map((a) => a.ruleId)).toEqual(['nhi1.unowned', 'nhi1.unowned', 'nhi1.unowned']);
    const history = await w.realmDb.transaction((tx) =>
      tx.alertEvent.groupBy({ by: ['alertId', 'toState'], _count: { _all: true } }),
    );
    expect(history).toHaveLength(3);
    expect(history.every((h) => h.toState === 'open' && h._count._all === 1)).toBe(true);
  });

  it('keeps one alert per fingerprint when a change is evaluated during the first pass', async () => {
    const w = await setupAlerts(newDatabase);
    const nhis = [];
    for (let i = 0; i < 3; i++) {
      const n = await w.machine({ ownerUserId: null });
      await w.credential(n.id);
      nhis.push(n.id);
    }
    const [one] = await Promise.all([w.evaluate(nhis.slice(0, 1)), w.evaluate(), w.evaluate(nhis)]);

    expect(one).toMatchObject({ findings: 1 });
    expect((await w.alerts()).map((a) => a.nhiId).sort()).toEqual([...nhis].sort());
    const events = await w.realmDb.transaction((tx) => tx.alertEvent.count());
    expect(events).toBe(3);
  });
});

async function untilSomeoneWaitsOnALock(db: PlatformDatabase) {
  for (let attempt = 0; attempt < 500; attempt++) {
    const [row] = await db.withSystemConnection((c) =>
      c.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      ),
    );
    if ((row?.waiting ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('The second pass never waited on the first one');
}
