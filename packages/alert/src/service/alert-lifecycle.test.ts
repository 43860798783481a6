import { NotFoundError, ValidationError } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { riskScoreOf } from '../sql/risk-scores.sql.ts';
import { setupAlerts } from '../testing/alert-test-setup.ts';

describeEachDatabase('Alert lifecycle', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const n = await w.machine({ ownerUserId: null });
    await w.credential(n.id);
    await w.evaluate();
    const [alert] = await w.alerts();
    if (!alert) throw new Error('setup expects the unowned alert');
    const service = await w.serviceOf(w.eve);
    const history = async (id: string) =>
      (await service.get(id)).history.map((e) => `${e.fromState ?? '-'}>${e.toState} ${e.actorType}`);
    return { ...w, n, alert, service, history };
  }

  it('keeps one alert per rule and subject however often it evaluates', async () => {
    const t = await setup();

    const again = await t.evaluate();
    await t.evaluate([t.n.id]);

    expect(again).toMatchObject({ findings: 1, opened: 0, reopened: 0, resolved: 0 });
    expect(await t.alerts()).toEqual([
      expect.objectContaining({ id: t.alert.id, ruleId: 'nhi1.unowned', state: 'open' }),
    ]);
    expect(await t.history(t.alert.id)).toEqual(['->open system']);
  });

  it('resolves an alert whose condition stops holding and reopens it, keeping its history', async () => {
    const t = await setup();
    await t.realmDb.transaction((tx) =>
      tx.nhi.update({ where: { id: t.n.id }, data: { ownerUserId: t.ana.id } }),
    );

    expect(await t.evaluate([t.n.id])).toMatchObject({ resolved: 1 });
    expect((await t.service.get(t.alert.id)).resolution).toBe('auto');

    await t.realmDb.transaction((tx) =>
      tx.nhi.update({ where: { id: t.n.id }, data: { ownerUserId: null } }),
    );
    expect(await t.evaluate()).toMatchObject({ reopened: 1, opened: 0 });

    expect(await t.history(t.alert.id)).toEqual([
      '->open system',
      'open>resolved system',
      'resolved>open system',
    ]);
    expect((await t.alerts()).map((a) => a.id)).toEqual([t.alert.id]);
  });

  it('keeps an acknowledged alert acknowledged while the condition holds', async () => {
    const t = await setup();

    expect(await t.service.acknowledge({ ids: [t.alert.id], comment: 'Looking for the team' })).toEqual({
      changed: 1,
      skipped: 0,
    });
    await t.evaluate();

    const detail = await t.service.get(t.alert.id);
    expect(detail.state).toBe('acknowledged');
    expect(detail.history.at(-1)).toMatchObject({
      toState: 'acknowledged',
      reason: 'Looking for the team',
      actorType: 'user',
      actorId: t.eve.id,
    });
  });

  it('keeps a suppression until its expiry, then reopens the alert if the condition still holds', async () => {
    const t = await setup();
    const until = new Date(t.clock.now().getTime() + 7 * 86_400_000);

    await t.service.suppress({ ids: [t.alert.id], reason: 'Owner being hired', until });
    t.clock.advanceSeconds(6 * 86_400);
    await t.evaluate();
    expect(await t.service.get(t.alert.id)).toMatchObject({
      state: 'suppressed',
      suppressReason: 'Owner being hired',
      suppressedById: t.eve.id,
      suppressedUntil: until,
    });

    t.clock.advanceSeconds(2 * 86_400);
    await t.evaluate();

    const detail = await t.service.get(t.alert.id);
    expect(detail).toMatchObject({ state: 'open', suppressReason: null, suppressedUntil: null });
    expect(detail.history.at(-1)).toMatchObject({
      fromState: 'suppressed',
      toState: 'open',
      reason: expect.stringMatching(/expired/),
    });
  });

  it('resolves a suppressed alert at expiry when the condition went away', async () => {
    const t = await setup();
    await t.service.suppress({
      ids: [t.alert.id],
      reason: 'Temporary',
      until: new Date(t.clock.now().getTime() + 3_600_000),
    });
    await t.realmDb.transaction((tx) =>
      tx.nhi.update({ where: { id: t.n.id }, data: { ownerUserId: t.ana.id } }),
    );

    await t.evaluate();
    expect((await t.service.get(t.alert.id)).state).toBe('suppressed');
    t.clock.advanceSeconds(3_601);
    await t.evaluate();

    expect(await t.service.get(t.alert.id)).toMatchObject({ state: 'resolved', resolution: 'auto' });
  });

  it('refuses a suppression without a future expiry or a reason, and changes nothing', async () => {
    const t = await setup();

    await expect(
      t.service.suppress({ ids: [t.alert.id], reason: 'Later', until: t.clock.now() }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      t.service.suppress({ ids: [t.alert.id], reason: '', until: new Date(t.clock.now().getTime() + 1000) }),
    ).rejects.toBeInstanceOf(ValidationError);

    expect((await t.service.get(t.alert.id)).state).toBe('open');
  });

  it('acts on a selection in bulk, skipping alerts that cannot move, with an audit row each', async () => {
    const t = await setup();
    const second = await t.machine({ ownerUserId: null });
    await t.evaluate();
    const ids = (await t.alerts()).map((a) => a.id);
    await t.service.acknowledge({ ids: [t.alert.id] });

    expect(await t.service.acknowledge({ ids })).toEqual({ changed: 1, skipped: 1 });
    expect(await t.service.resolve({ ids })).toEqual({ changed: 2, skipped: 0 });

    const audit = await t.db.systemPrisma.auditLog.findMany({
      where: { entityType: 'Alert' },
      select: { action: true, actorId: true, entityId: true },
    });
    expect(audit.map((a) => a.action).sort()).toEqual([
      'alert.acknowledge',
      'alert.acknowledge',
      'alert.resolve',
      'alert.resolve',
    ]);
    expect(new Set(audit.map((a) => a.actorId))).toEqual(new Set([t.eve.id]));
    expect(second.id).toBeTruthy();
  });

  it('lists with filters and pages through the realm’s alerts', async () => {
    const t = await setup();
    const owned = await t.nhi({ ownerUserId: t.eve.id, provider: 'github' });
    await t.credential(owned.id, { kind: 'token', expiresAt: null });
    await t.evaluate();

    const lowOfEve = await t.service.list({ severities: ['low'], ownerUserId: t.eve.id });
    expect(lowOfEve.items.map((a) => [a.ruleId, a.nhi?.name, a.nhi?.ownerEmail])).toEqual([
      ['nhi7.no_expiry', owned.name, 'eve@example.com'],
    ]);
    expect((await t.service.list({ owaspId: 'NHI1' })).items.map((a) => a.ruleId)).toEqual(['nhi1.unowned']);
    expect((await t.service.list({ nhiId: t.n.id, states: ['resolved'] })).items).toEqual([]);

    const first = await t.service.list({ limit: 1 });
    const second = await t.service.list({ limit: 1, cursor: first.nextCursor ?? undefined });
    expect(first).toMatchObject({ total: 2, previousCursor: null });
    expect(first.items).toHaveLength(1);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
    expect(second).toMatchObject({ total: 2, nextCursor: null, previousCursor: second.items[0]?.id });

    const back = await t.service.list({ limit: 1, before: second.previousCursor ?? undefined });
    expect(back.items.map((a) => a.id)).toEqual(first.items.map((a) => a.id));
    expect(back).toMatchObject({ previousCursor: null, nextCursor: first.items[0]?.id });
  });

  it('lists the alerts about identities of the asked environments and sources', async () => {
    const t = await setup();
    const staging = await t.machine({ ownerUserId: null, environment: 'staging' });
    await t.evaluate();

    const ofStaging = await t.service.list({ environments: ['staging'] });
    expect(ofStaging.items.map((a) => a.nhi?.name)).toEqual([staging.name]);
    const ofProduction = await t.service.list({ environments: ['production'], providers: ['aws'] });
    expect(ofProduction.items.map((a) => a.nhi?.name)).not.toContain(staging.name);
    expect(ofProduction.items.length).toBeGreaterThan(0);
    expect((await t.service.list({ providers: ['github'] })).items).toEqual([]);
  });

  it('confines alerts to their realm', async () => {
    const t = await setup();
    const otherService = await t.serviceOf(t.oli, t.otherRealm);

    expect((await otherService.list()).items).toEqual([]);
    await expect(otherService.get(t.alert.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(otherService.acknowledge({ ids: [t.alert.id] })).rejects.toBeInstanceOf(NotFoundError);
    expect((await t.service.get(t.alert.id)).state).toBe('open');
  });
});

describeEachDatabase('Risk scores', (_kind, newDatabase) => {
  it('scores impact times exposure plus hygiene, counts each rule once and names the factors', async () => {
    const w = await setupAlerts(newDatabase);
    const risky = await w.machine({ ownerUserId: null });
    await w.credential(risky.id);
    await w.credential(risky.id);
    await w.fact(risky.id, 'aws.admin_policy');
    const calm = await w.nhi();
    await w.credential(calm.id);

    await w.evaluate();
    const service = await w.serviceOf(w.vic);

    expect(await service.risk(risky.id)).toMatchObject({
      score: riskScoreOf({ impact: 1, exposure: null, hygiene: 0.3 }),
      level: 'high',
      factors: [
        { ruleId: 'nhi5.admin', owaspId: 'NHI5', dimension: 'impact', weight: 1, points: 100, alerts: 1 },
        { ruleId: 'nhi1.unowned', dimension: 'hygiene', weight: 0.3, points: 30, alerts: 1 },
      ],
    });
    expect(await service.risk(calm.id)).toMatchObject({ score: 0, level: 'low', factors: [] });

    await w.fact(risky.id, 'aws.trust_open_to_any');
    await w.evaluate([risky.id]);
    expect(await service.risk(risky.id)).toMatchObject({
      score: riskScoreOf({ impact: 1, exposure: 0.9, hygiene: 0.3 }),
      level: 'critical',
    });
  });

  it('ranks leaked live administrators first, then administrators and cluster-wide secret readers', async () => {
    const w = await setupAlerts(newDatabase);
    const leakedLiveAdmin = await w.nhi();
    await w.credential(leakedLiveAdmin.id, { fingerprint: 'fp-admin' });
    await w.fact(leakedLiveAdmin.id, 'aws.admin_policy');
    await w.leak('fp-admin', null, { verification: 'live' });
    const leakedAdmin = await w.nhi();
    await w.credential(leakedAdmin.id, { fingerprint: 'fp-admin-2' });
    await w.fact(leakedAdmin.id, 'aws.admin_policy');
    await w.leak('fp-admin-2');
    const secretReader = await w.nhi({ provider: 'kubernetes' });
    await w.fact(secretReader.id, 'k8s.secrets_read_cluster');
    const leakedUnknown = await w.nhi();
    await w.credential(leakedUnknown.id, { fingerprint: 'fp-plain' });
    await w.leak('fp-plain');
    const wildcard = await w.nhi();
    await w.fact(wildcard.id, 'aws.wildcard_action');
    const untidy = await w.machine({ ownerUserId: null });
    await w.credential(untidy.id, { lastUsedAt: w.daysAgo(200), lastRotatedAt: w.daysAgo(400) });

    await w.evaluate();
    const service = await w.serviceOf(w.vic);
    const scores = [];
    for (const n of [leakedLiveAdmin, leakedAdmin, secretReader, leakedUnknown, wildcard, untidy])
      scores.push((await service.risk(n.id)).score);

    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(scores).size).toBe(scores.length);
    expect((await service.risk(leakedLiveAdmin.id)).level).toBe('critical');
    expect((await service.risk(leakedAdmin.id)).level).toBe('critical');
    expect((await service.risk(secretReader.id)).level).toBe('high');
    expect((await service.risk(untidy.id)).level).toBe('medium');
  });

  it('keeps the time since which an NHI has its score when a later evaluation finds the same', async () => {
    const w = await setupAlerts(newDatabase);
    const n = await w.machine({ ownerUserId: null });
    await w.credential(n.id);
    await w.evaluate();
    const service = await w.serviceOf(w.vic);
    const before = await service.risk(n.id);
    const history = async () =>
      w.realmDb.transaction((tx) => tx.alertEvent.count({ where: { alert: { nhiId: n.id } } }));
    const entries = await history();

    w.clock.advanceSeconds(3600);
    await w.evaluate();
    await w.evaluate([n.id]);

    expect(await service.risk(n.id)).toEqual(before);
    expect(await history()).toBe(entries);
    await w.credential(n.id, { lastUsedAt: w.daysAgo(100) });
    await w.evaluate([n.id]);
    const after = await service.risk(n.id);
    expect(after.score).toBe(riskScoreOf({ impact: null, exposure: null, hygiene: 0.3 + 0.4 }));
    expect(after.score).toBeGreaterThan(before.score);
    expect(after.computedAt?.getTime()).toBe(w.clock.now().getTime());
  });

  it('drops the weight of resolved and suppressed alerts at once', async () => {
    const w = await setupAlerts(newDatabase);
    const n = await w.machine({ ownerUserId: null });
    await w.credential(n.id);
    await w.fact(n.id, 'aws.admin_policy');
    await w.evaluate();
    const service = await w.serviceOf(w.ana);
    const idOf = async (rule: string) => (await w.alerts()).find((a) => a.ruleId === rule)?.id ?? '';
    const admin = await idOf('nhi5.admin');
    const unowned = await idOf('nhi1.unowned');

    await service.suppress({ ids: [admin], reason: 'Break-glass role', until: w.daysAhead(30) });
    expect(await service.risk(n.id)).toMatchObject({ score: 6, level: 'low' });
    await service.resolve({ ids: [unowned] });
    expect(await service.risk(n.id)).toMatchObject({ score: 0, factors: [] });
  });
});
