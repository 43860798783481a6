import { NhiService } from '@nhi/nhi';
import { createLogger, DomainEventRelay, JobQueue, RealmAdminService } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { alertJobNames, registerAlertJobs } from './alert-jobs.ts';

describeEachDatabase('Alert evaluation jobs', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const logger = createLogger({ level: 'silent' });
    const jobs = new JobQueue(w.db.jobStore, logger, { pollingIntervalSeconds: 0.5 });
    await jobs.start();
    const events = new DomainEventRelay(w.db, jobs, logger);
    await registerAlertJobs({ root: w.root, database: w.db, jobs, events });
    const inventory = (await w.scopeOf(w.eve)).resolve(NhiService);
    /** Relays pending events, then waits until the alerts satisfy the check. */
    async function eventually(check: (rules: string[]) => boolean) {
      await events.relayOnce();
      for (let i = 0; i < 200; i++) {
        const rules = await w.rulesFiring();
        if (check(rules)) return rules;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`alerts never matched: ${JSON.stringify(await w.rulesFiring())}`);
    }
    return { ...w, jobs, events, inventory, eventually };
  }

  it('evaluates an NHI after each change made through the inventory', async () => {
    const t = await setup();

    const created = await t.inventory.create({
      kind: 'service_account',
      provider: 'aws',
      externalId: 'arn:aws:iam::123456789012:user/ci',
      name: 'ci',
    });
    await t.inventory.addCredential({
      nhiId: created.id,
      kind: 'access_key',
      lastUsedAt: t.clock.now(),
      expiresAt: new Date(t.clock.now().getTime() + 365 * 86_400_000),
    });
    expect(await t.eventually((rules) => rules.includes('nhi1.unowned'))).toEqual(['nhi1.unowned']);

    await t.inventory.update({ id: created.id, expectedVersion: 1, changes: { ownerUserId: t.eve.id } });
    expect(await t.eventually((rules) => rules.length === 0)).toEqual([]);
    await t.jobs.stop();
  });

  it('re-evaluates the realm when a rule is turned off', async () => {
    const t = await setup();
    await t.machine({ ownerUserId: null });
    await t.evaluate();

    await (await t.serviceOf(t.ana)).configureRule({ ruleId: 'nhi1.unowned', enabled: false });

    expect(await t.eventually((rules) => rules.length === 0)).toEqual([]);
    await t.jobs.stop();
  });

  it('schedules a periodic evaluation of every realm for the time-based rules', async () => {
    const t = await setup();

    const schedules = await t.jobs.schedules(alertJobNames.evaluateRealm);

    expect(
      schedules.map((s) => s.payload).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual(
      [{ realmId: t.hubRealm.id }, { realmId: t.otherRealm.id }].sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b)),
      ),
    );
    expect(new Set(schedules.map((s) => s.cron))).toEqual(new Set(['7 * * * *']));
    const sweeps = await t.jobs.schedules(alertJobNames.deliver);
    expect(sweeps.map((s) => s.cron)).toEqual(['* * * * *', '* * * * *']);
    await t.jobs.stop();
  });

  it('schedules a realm created while the hub runs, without a restart', async () => {
    const t = await setup();

    const created = await t.root.resolve(RealmAdminService).createRealm({ slug: 'emea', name: 'EMEA' });
    await t.events.relayOnce();

    const realmsOf = async (jobName: string) =>
      (await t.jobs.schedules(jobName)).map((s) => (s.payload as { realmId: string }).realmId);
    for (let i = 0; i < 200 && !(await realmsOf(alertJobNames.deliver)).includes(created.id); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await realmsOf(alertJobNames.evaluateRealm)).sort()).toEqual(
      [t.hubRealm.id, t.otherRealm.id, created.id].sort(),
    );
    expect((await realmsOf(alertJobNames.deliver)).sort()).toEqual(
      [t.hubRealm.id, t.otherRealm.id, created.id].sort(),
    );
    await t.jobs.stop();
  });
});
