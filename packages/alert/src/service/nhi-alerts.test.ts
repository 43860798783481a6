import { NotFoundError } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { AlertCollaboration } from './alert-collaboration.ts';
import { NhiAlertsService } from './nhi-alerts.ts';

describeEachDatabase('Alerts of one identity', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase);
    // Unowned with a key never used: two alerts on one identity, and one alert on another.
    const n = await w.nhi({ ownerUserId: null });
    await w.credential(n.id, { lastUsedAt: null, createdAt: w.daysAgo(200), lastRotatedAt: w.daysAgo(200) });
    const other = await w.machine({ ownerUserId: null });
    await w.evaluate();
    const alerts = await w.serviceOf(w.eve);
    const ofNhi = async (id: string) => (await w.scopeOf(w.eve)).resolve(NhiAlertsService).ofNhi(id);
    return { ...w, n, other, alerts, ofNhi };
  }

  it('lists the identity’s alerts only, open ones before the others', async () => {
    const t = await setup();
    const before = await t.ofNhi(t.n.id);
    expect(before.alerts.length).toBeGreaterThanOrEqual(2);
    expect(before.alerts.every((alert) => alert.nhiId === t.n.id)).toBe(true);
    const unowned = before.alerts.find((alert) => alert.ruleId === 'nhi1.unowned');
    if (!unowned) throw new Error('expects the unowned alert');

    t.clock.advanceSeconds(60);
    await t.alerts.resolve({ ids: [unowned.id] });
    const after = await t.ofNhi(t.n.id);

    // The most recently changed alert is resolved, and still comes after every open one.
    expect(after.alerts.at(-1)).toMatchObject({ id: unowned.id, state: 'resolved' });
    expect(after.alerts.slice(0, -1).every((alert) => alert.state === 'open')).toBe(true);
    expect(after.alerts[0]).toMatchObject({ title: expect.any(String), nhi: { name: t.n.name } });
    expect(after.truncated).toBe(false);
  });

  it('gives every transition of its alerts, newest first, with who made it', async () => {
    const t = await setup();
    const [first] = (await t.ofNhi(t.n.id)).alerts;
    if (!first) throw new Error('expects an alert');

    t.clock.advanceSeconds(60);
    await t.alerts.acknowledge({ ids: [first.id], comment: 'On it' });
    const { events } = await t.ofNhi(t.n.id);

    expect(events[0]).toMatchObject({
      alertId: first.id,
      ruleId: first.ruleId,
      title: first.title,
      fromState: 'open',
      toState: 'acknowledged',
      reason: 'On it',
      actorType: 'user',
      actorId: t.eve.id,
    });
    expect(events.filter((event) => event.fromState === null && event.toState === 'open')).toHaveLength(
      events.length - 1,
    );
    const times = events.map((event) => event.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('tells an assignment from a change of state', async () => {
    const t = await setup();
    const [first] = (await t.ofNhi(t.n.id)).alerts;
    if (!first) throw new Error('expects an alert');

    t.clock.advanceSeconds(60);
    await (await t.scopeOf(t.eve)).resolve(AlertCollaboration).assign({ id: first.id, assigneeId: t.eve.id });
    const { events } = await t.ofNhi(t.n.id);

    expect(events[0]).toMatchObject({
      alertId: first.id,
      kind: 'assignment',
      fromState: 'open',
      toState: 'open',
    });
    expect(events.slice(1).every((event) => event.kind === 'state')).toBe(true);
  });

  it('answers NOT_FOUND for an identity of another realm or none', async () => {
    const t = await setup();
    const foreign = await t.nhi({ realm: t.otherRealm });

    await expect(t.ofNhi(foreign.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.ofNhi('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
    const fromOther = (await t.scopeOf(t.oli, t.otherRealm)).resolve(NhiAlertsService);
    await expect(fromOther.ofNhi(t.n.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
