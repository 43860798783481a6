import type { PlatformDatabase } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { evaluateInTransaction } from './alert-evaluation.ts';

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

    // The first pass inserts its alerts and holds them uncommitted; the second waits for the realm's
    // evaluation lock, then finds the first's alerts and opens none of its own.
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

describeEachDatabase('Evaluations of one realm in opposite orders', (kind, newDatabase) => {
  it('take turns instead of deadlocking when each holds alerts the other changes next', async () => {
    const w = await setupAlerts(newDatabase);
    const a = await w.machine({ ownerUserId: null });
    const b = await w.machine({ ownerUserId: null });
    await w.evaluate();
    // Both get an owner: each evaluation below resolves their unowned alerts (and rescores them).
    await w.realmDb.transaction((tx) =>
      tx.nhi.updateMany({ where: { id: { in: [a.id, b.id] } }, data: { ownerUserId: w.ana.id } }),
    );
    const evaluate = (tx: Parameters<typeof evaluateInTransaction>[0], id: string) =>
      evaluateInTransaction(tx, w.hubRealm.id, w.clock.now(), { all: false, nhiIds: [id] });
    let secondStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      secondStarted = resolve;
    });

    // The first changes a's alerts, then b's; the second b's, then a's: without one lock order,
    // each ends up waiting on rows the other holds and PostgreSQL fails one ("deadlock detected").
    const first = w.realmDb.transaction(async (tx) => {
      const one = await evaluate(tx, a.id);
      if (kind === 'postgres') {
        await started;
        await untilSomeoneWaitsOnALock(w.db);
      }
      const two = await evaluate(tx, b.id);
      return one.resolved + two.resolved;
    });
    const second = w.realmDb.transaction(async (tx) => {
      secondStarted();
      const one = await evaluate(tx, b.id);
      const two = await evaluate(tx, a.id);
      return one.resolved + two.resolved;
    });

    const [firstResolved, secondResolved] = await Promise.all([first, second]);
    expect(firstResolved).toBe(2);
    expect(secondResolved).toBe(0);
    const history = await w.realmDb.transaction((tx) =>
      tx.alertEvent.count({ where: { toState: 'resolved' } }),
    );
    expect(history).toBe(2);
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
