import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { type AlertWorld, setupAlerts } from './alert-test-setup.ts';

/**
 * Each rule on synthetic inventories: the subjects it must flag and those it must leave alone
 * (below or at the threshold, within the grace period, disabled or revoked).
 */
interface RuleCase {
  rule: string;
  arrange(w: AlertWorld): Promise<{ fires: string[]; silent: string[] }>;
}

const cases: RuleCase[] = [
  {
    rule: 'nhi1.unowned',
    async arrange(w) {
      const unowned = await w.nhi({ ownerUserId: null });
      const owned = await w.nhi();
      const team = await w.group('Payments team');
      const teamOwned = await w.nhi({ ownerUserId: null, ownerGroupId: team.id });
      const disabled = await w.nhi({ ownerUserId: null, status: 'disabled' });
      return { fires: [unowned.id], silent: [owned.id, teamOwned.id, disabled.id] };
    },
  },
  {
    rule: 'nhi1.owner_inactive',
    async arrange(w) {
      const foreignOwner = await w.nhi({ ownerUserId: w.oli.id });
      const disabledOwner = await w.nhi({ ownerUserId: w.vic.id });
      await w.db.systemPrisma.user.update({ where: { id: w.vic.id }, data: { disabledAt: w.daysAgo(1) } });
      const activeOwner = await w.nhi({ ownerUserId: w.eve.id });
      const unowned = await w.nhi({ ownerUserId: null });
      return { fires: [foreignOwner.id, disabledOwner.id], silent: [activeOwner.id, unowned.id] };
    },
  },
  {
    rule: 'nhi1.unused',
    async arrange(w) {
      const n = await w.nhi();
      const stale = await w.credential(n.id, { lastUsedAt: w.daysAgo(91) });
      const atThreshold = await w.credential(n.id, { lastUsedAt: w.daysAgo(90) });
      const recent = await w.credential(n.id, { lastUsedAt: w.daysAgo(3) });
      const revoked = await w.credential(n.id, { lastUsedAt: w.daysAgo(400), status: 'revoked' });
      return { fires: [stale.id], silent: [atThreshold.id, recent.id, revoked.id] };
    },
  },
  {
    rule: 'nhi1.never_used',
    async arrange(w) {
      const n = await w.nhi();
      const forgotten = await w.credential(n.id, {
        lastUsedAt: null,
        createdAt: w.daysAgo(15),
        lastRotatedAt: null,
      });
      const inGrace = await w.credential(n.id, {
        lastUsedAt: null,
        createdAt: w.daysAgo(13),
        lastRotatedAt: null,
      });
      const inactive = await w.credential(n.id, {
        lastUsedAt: null,
        createdAt: w.daysAgo(60),
        status: 'inactive',
      });
      return { fires: [forgotten.id], silent: [inGrace.id, inactive.id] };
    },
  },
  {
    rule: 'nhi2.leaked_secret',
    async arrange(w) {
      const n = await w.nhi();
      const leaked = await w.credential(n.id, { fingerprint: 'fp-leaked' });
      const linked = await w.credential(n.id);
      const revoked = await w.credential(n.id, { fingerprint: 'fp-revoked', status: 'revoked' });
      const clean = await w.credential(n.id, { fingerprint: 'fp-clean' });
      await w.leak('fp-leaked');
      await w.leak('fp-other', linked.id);
      await w.leak('fp-revoked');
      return { fires: [leaked.id, linked.id], silent: [revoked.id, clean.id] };
    },
  },
  {
    rule: 'nhi7.credential_age',
    async arrange(w) {
      const n = await w.nhi();
      const old = await w.credential(n.id, { lastRotatedAt: w.daysAgo(91) });
      const atThreshold = await w.credential(n.id, { lastRotatedAt: w.daysAgo(90) });
      const ancient = await w.credential(n.id, { lastRotatedAt: w.daysAgo(400) });
      const revoked = await w.credential(n.id, { lastRotatedAt: w.daysAgo(200), status: 'revoked' });
      return { fires: [old.id], silent: [atThreshold.id, ancient.id, revoked.id] };
    },
  },
  {
    rule: 'nhi7.credential_age_critical',
    async arrange(w) {
      const n = await w.nhi();
      const ancient = await w.credential(n.id, { lastRotatedAt: null, createdAt: w.daysAgo(366) });
      const old = await w.credential(n.id, { lastRotatedAt: w.daysAgo(200) });
      return { fires: [ancient.id], silent: [old.id] };
    },
  },
  {
    rule: 'nhi7.no_expiry',
    async arrange(w) {
      const n = await w.nhi();
      const endless = await w.credential(n.id, { expiresAt: null });
      const expiring = await w.credential(n.id);
      return { fires: [endless.id], silent: [expiring.id] };
    },
  },
  {
    rule: 'nhi7.expired_active',
    async arrange(w) {
      const n = await w.nhi();
      const expired = await w.credential(n.id, { expiresAt: w.daysAgo(1) });
      const inactive = await w.credential(n.id, { expiresAt: w.daysAgo(1), status: 'inactive' });
      const valid = await w.credential(n.id, { expiresAt: w.daysAhead(1) });
      return { fires: [expired.id], silent: [inactive.id, valid.id] };
    },
  },
  {
    rule: 'nhi7.expiring_soon',
    async arrange(w) {
      const n = await w.nhi();
      const soon = await w.credential(n.id, { expiresAt: w.daysAhead(29) });
      const atThreshold = await w.credential(n.id, { expiresAt: w.daysAhead(30) });
      const later = await w.credential(n.id, { expiresAt: w.daysAhead(31) });
      const expired = await w.credential(n.id, { expiresAt: w.daysAgo(1) });
      return { fires: [soon.id, atThreshold.id], silent: [later.id, expired.id] };
    },
  },
  {
    rule: 'nhi8.cross_environment_secret',
    async arrange(w) {
      const prod = await w.nhi({ environment: 'production' });
      const staging = await w.nhi({ environment: 'staging' });
      const otherProd = await w.nhi({ environment: 'production' });
      const inProd = await w.credential(prod.id, { fingerprint: 'fp-shared' });
      const inStaging = await w.credential(staging.id, { fingerprint: 'fp-shared' });
      const sameEnvA = await w.credential(prod.id, { fingerprint: 'fp-prod-only' });
      const sameEnvB = await w.credential(otherProd.id, { fingerprint: 'fp-prod-only' });
      return { fires: [inProd.id, inStaging.id], silent: [sameEnvA.id, sameEnvB.id] };
    },
  },
  {
    rule: 'nhi9.shared_secret',
    async arrange(w) {
      const a = await w.nhi();
      const b = await w.nhi();
      const c = await w.nhi();
      const onA = await w.credential(a.id, { fingerprint: 'fp-shared' });
      const onB = await w.credential(b.id, { fingerprint: 'fp-shared' });
      const revokedOnC = await w.credential(c.id, { fingerprint: 'fp-once', status: 'revoked' });
      const onlyC = await w.credential(c.id, { fingerprint: 'fp-once' });
      return { fires: [onA.id, onB.id], silent: [revokedOnC.id, onlyC.id] };
    },
  },
  {
    rule: 'nhi10.interactive_login',
    async arrange(w) {
      const n = await w.nhi();
      const usedPassword = await w.credential(n.id, { kind: 'password', lastUsedAt: w.daysAgo(2) });
      const unusedPassword = await w.credential(n.id, { kind: 'password', lastUsedAt: null });
      const key = await w.credential(n.id);
      return { fires: [usedPassword.id], silent: [unusedPassword.id, key.id] };
    },
  },
  {
    rule: 'nhi5.admin',
    async arrange(w) {
      const admin = await w.nhi();
      const disabled = await w.nhi({ status: 'disabled' });
      const plain = await w.nhi();
      await w.fact(admin.id, 'aws.admin_policy');
      await w.fact(disabled.id, 'aws.admin_policy');
      await w.fact(plain.id, 'aws.multiple_active_keys');
      return { fires: [admin.id], silent: [disabled.id, plain.id] };
    },
  },
  {
    rule: 'nhi5.privilege_escalation',
    async arrange(w) {
      const aws = await w.nhi();
      const k8s = await w.nhi();
      await w.fact(aws.id, 'aws.privilege_escalation');
      await w.fact(k8s.id, 'k8s.impersonate');
      await w.fact(k8s.id, 'k8s.bind_escalate');
      return { fires: [aws.id, k8s.id], silent: [] };
    },
  },
  {
    rule: 'nhi3.trust_open_to_any',
    async arrange(w) {
      const open = await w.nhi();
      const external = await w.nhi();
      await w.fact(open.id, 'aws.trust_open_to_any');
      await w.fact(external.id, 'aws.trust_external_without_external_id');
      return { fires: [open.id], silent: [external.id] };
    },
  },
  {
    rule: 'nhi4.console_password',
    async arrange(w) {
      const reported = await w.nhi();
      const recorded = await w.nhi();
      const keyOnly = await w.nhi();
      await w.fact(reported.id, 'aws.console_password');
      await w.credential(recorded.id, { kind: 'password', lastUsedAt: null });
      await w.credential(keyOnly.id);
      return { fires: [reported.id, recorded.id], silent: [keyOnly.id] };
    },
  },
];

describeEachDatabase('Alert rules', (_kind, newDatabase) => {
  for (const { rule, arrange } of cases) {
    it(`${rule} flags its subjects and nothing else`, async () => {
      const w = await setupAlerts(newDatabase);
      const { fires, silent } = await arrange(w);

      await w.evaluate();

      const alerts = (await w.alerts()).filter((a) => a.ruleId === rule && a.state === 'open');
      const subjects = alerts.map((a) => a.credentialId ?? a.nhiId);
      expect(subjects.sort()).toEqual([...fires].sort());
      for (const id of silent) expect(subjects).not.toContain(id);
    });
  }

  it('flags a binding to a missing ServiceAccount without an NHI', async () => {
    const w = await setupAlerts(newDatabase);
    await w.fact(null, 'k8s.orphaned_binding', 'prod|RoleBinding/ci|ServiceAccount/ghost');

    await w.evaluate();

    expect(await w.alerts()).toEqual([
      expect.objectContaining({
        ruleId: 'nhi1.orphaned_binding',
        nhiId: null,
        owaspId: 'NHI1',
        state: 'open',
      }),
    ]);
  });

  it('uses the realm’s thresholds and skips the rules it turned off', async () => {
    const w = await setupAlerts(newDatabase);
    const n = await w.nhi({ ownerUserId: null });
    const credential = await w.credential(n.id, { lastUsedAt: w.daysAgo(50) });
    const service = await w.serviceOf(w.ana);
    await service.configureRule({ ruleId: 'nhi1.unused', thresholds: { unusedDays: 45 } });
    await service.configureRule({ ruleId: 'nhi1.unowned', enabled: false });

    await w.evaluate();

    expect(await w.rulesFiring({ nhiId: n.id })).toEqual(['nhi1.unused']);
    expect((await w.alerts())[0]).toMatchObject({ credentialId: credential.id });
  });

  it('rejects thresholds a rule does not have or out of range, and changes nothing', async () => {
    const w = await setupAlerts(newDatabase);
    const service = await w.serviceOf(w.ana);

    await expect(
      service.configureRule({ ruleId: 'nhi1.unused', thresholds: { unusedDays: 0 } }),
    ).rejects.toThrow(/Invalid rule settings/);
    await expect(
      service.configureRule({ ruleId: 'nhi1.unused', thresholds: { ageDays: 10 } }),
    ).rejects.toThrow(/Invalid rule settings/);
    await expect(service.configureRule({ ruleId: 'nhi99.nope', enabled: false })).rejects.toThrow(
      /not found/,
    );

    const unused = (await service.rules()).find((r) => r.id === 'nhi1.unused');
    expect(unused).toMatchObject({ enabled: true, values: { unusedDays: 90 }, customised: false });
  });
});
