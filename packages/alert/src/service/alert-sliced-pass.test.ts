import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { type AlertWorld, setupAlerts } from '../testing/alert-test-setup.ts';
import { AlertEvaluator } from './alert-evaluator.ts';

/** Everything a pass decides, comparable between two passes at the same time. */
async function decided(w: AlertWorld) {
  return w.realmDb.transaction(async (tx) => ({
    alerts: await tx.alert.findMany({
      select: { fingerprint: true, state: true, severity: true, evidence: true, nhiId: true },
      orderBy: { fingerprint: 'asc' },
    }),
    history: await tx.alertEvent.count(),
    scores: await tx.nhiRiskScore.findMany({
      select: { nhiId: true, score: true, level: true, factors: true, computedAt: true },
      orderBy: { nhiId: 'asc' },
    }),
    notifications: await tx.alertNotification.count(),
  }));
}

/**
 * A realm with a finding of every shape a pass handles: identities' own findings, a secret shared
 * by identities of different slices, a leak of a secret no credential has, a scanner fact about no
 * identity, an identity deleted after its alerts opened, and enough unowned identities to roll up.
 */
async function setup(newDatabase: Parameters<typeof setupAlerts>[0], options: { rollup: boolean }) {
  const w = await setupAlerts(newDatabase);
  const service = await w.serviceOf(w.ana);
  await service.configureRule({
    ruleId: 'nhi1.unowned_share',
    thresholds: { minimum: options.rollup ? 3 : 50, sharePercent: 20 },
  });
  const nhis = [];
  for (let i = 0; i < 7; i++) {
    const n = await w.nhi({
      ownerUserId: i % 2 ? w.ana.id : null,
      environment: i % 3 ? 'production' : 'staging',
    });
    await w.credential(n.id, { lastUsedAt: i === 3 ? null : w.daysAgo(200), expiresAt: w.daysAhead(i) });
    nhis.push(n);
  }
  const first = nhis[0]?.id as string;
  const last = nhis[6]?.id as string;
  await w.credential(first, { fingerprint: 'shared-secret' });
  await w.credential(last, { fingerprint: 'shared-secret' });
  await w.leak('secret-nobody-holds');
  await w.fact(null, 'aws.trust_open_to_any', 'role/open');
  await w.fact(nhis[2]?.id as string, 'aws.admin_policy');
  const evaluator = w.root.resolve(AlertEvaluator);
  const sliced = () => evaluator.evaluateRealm(w.hubRealm.id, { sliceSize: 2 });
  const deleteIdentity = (id: string) =>
    w.realmDb.transaction((tx) => tx.nhi.update({ where: { id }, data: { deletedAt: w.clock.now() } }));
  return { ...w, nhis, sliced, deleteIdentity };
}

describeEachDatabase('A full pass in slices', (_kind, newDatabase) => {
  for (const rollup of [true, false]) {
    it(`decides what one statement over the realm decides (unowned ${rollup ? 'rolled up' : 'one by one'})`, async () => {
      const w = await setup(newDatabase, { rollup });

      const first = await w.sliced();
      const afterSliced = await decided(w);
      const single = await w.evaluate();

      expect(first.opened).toBeGreaterThan(5);
      expect(single).toMatchObject({ opened: 0, reopened: 0, resolved: 0 });
      expect(await decided(w)).toEqual(afterSliced);
      const unowned = afterSliced.alerts.filter((a) => a.fingerprint.startsWith('nhi1.unowned'));
      expect(unowned.map((a) => a.fingerprint.split(':')[0])).toEqual(
        rollup ? ['nhi1.unowned_share'] : ['nhi1.unowned', 'nhi1.unowned', 'nhi1.unowned', 'nhi1.unowned'],
      );
    });
  }

  it('resolves and reopens across slices as one statement would, after changes', async () => {
    const w = await setup(newDatabase, { rollup: false });
    await w.evaluate();
    await w.deleteIdentity(w.nhis[6]?.id as string);
    await w.credential(w.nhis[1]?.id as string, { fingerprint: 'secret-nobody-holds' });
    w.clock.advanceSeconds(40 * 86_400);

    const changed = await w.sliced();
    const afterSliced = await decided(w);
    const single = await w.evaluate();

    expect(changed.resolved).toBeGreaterThan(0);
    expect(single).toMatchObject({ opened: 0, reopened: 0, resolved: 0 });
    expect(await decided(w)).toEqual(afterSliced);
    const gone = afterSliced.alerts.filter((a) => a.nhiId === w.nhis[6]?.id);
    expect(gone.length).toBeGreaterThan(0);
    expect(gone.every((a) => a.state === 'resolved')).toBe(true);
  });

  it('stops between slices when its job is stopped, leaving what it committed consistent', async () => {
    const w = await setup(newDatabase, { rollup: false });
    const stop = new AbortController();
    stop.abort();

    await expect(
      w.root.resolve(AlertEvaluator).evaluateRealm(w.hubRealm.id, { sliceSize: 2, signal: stop.signal }),
    ).rejects.toThrow();
    const partial = await decided(w);
    await w.sliced();

    // Only the realm-level slice ran: its alerts, no identity's.
    expect(partial.alerts.every((a) => a.nhiId === null)).toBe(true);
    expect((await decided(w)).alerts.some((a) => a.nhiId !== null)).toBe(true);
  });

  it('evaluates given identities in slices as one transaction over all of them would', async () => {
    const w = await setup(newDatabase, { rollup: false });
    const evaluator = w.root.resolve(AlertEvaluator);
    const ids = w.nhis.map((n) => n.id);

    const sliced = await evaluator.evaluateNhis(w.hubRealm.id, ids, { sliceSize: 2 });
    const afterSliced = await decided(w);
    const whole = await evaluator.evaluateNhis(w.hubRealm.id, ids, { sliceSize: ids.length });

    expect(sliced).toMatchObject({ nhisInScope: ids.length });
    expect(sliced.opened).toBeGreaterThan(5);
    expect(whole).toMatchObject({ opened: 0, reopened: 0, resolved: 0 });
    expect(await decided(w)).toEqual(afterSliced);
  });
});
