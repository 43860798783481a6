import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { type AlertWorld, setupAlerts } from '../testing/alert-test-setup.ts';
import { arrangeFactRule } from '../testing/fact-rule-case.ts';

/**
 * Each rule on synthetic inventories: the subjects it must flag and those it must leave alone
 * (below or at the threshold, within the grace period, disabled or revoked).
 */
interface RuleCase {
  rule: string;
  arrange(w: AlertWorld): Promise<{ fires: string[]; silent: string[] }>;
}

/** A fact rule fires on an identity with any of its kinds, and not on one with a neighbouring kind. */
function factRuleCases(table: [rule: string, kinds: string[], neighbours: string[]][]): RuleCase[] {
  return table.map(([rule, kinds, neighbours]) => ({
    rule,
    arrange: (w) => arrangeFactRule(w, kinds, neighbours),
  }));
}

const cases: RuleCase[] = [
  {
    rule: 'nhi1.unowned',
    async arrange(w) {
      const withKey = async (
        fields: Parameters<AlertWorld['nhi']>[0],
        key: 'active' | 'revoked' = 'active',
      ) => {
        const n = await w.nhi(fields);
        await w.credential(n.id, { status: key });
        return n;
      };
      const unowned = await withKey({ ownerUserId: null });
      const owned = await withKey({});
      const team = await w.group('Payments team');
      const teamOwned = await withKey({ ownerUserId: null, ownerGroupId: team.id });
      const disabled = await withKey({ ownerUserId: null, status: 'disabled' });
      const revokedKeyOnly = await withKey({ ownerUserId: null }, 'revoked');
      const withoutCredentials = await w.nhi({ ownerUserId: null });
      const root = await withKey({
        ownerUserId: null,
        metadata: { credentialReport: { classification: 'root_account' } },
      });
      const person = await w.nhi({ ownerUserId: null });
      await w.credential(person.id, { kind: 'password' });
      return {
        fires: [unowned.id],
        silent: [
          owned.id,
          teamOwned.id,
          disabled.id,
          revokedKeyOnly.id,
          withoutCredentials.id,
          root.id,
          person.id,
        ],
      };
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
      // Kubernetes does not report token use: "never used" cannot be told from "not reported".
      const cluster = await w.nhi({ provider: 'kubernetes' });
      const token = await w.credential(cluster.id, {
        kind: 'token',
        lastUsedAt: null,
        createdAt: w.daysAgo(60),
        lastRotatedAt: null,
      });
      return { fires: [forgotten.id], silent: [inGrace.id, inactive.id, token.id] };
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
      const github = await w.nhi({ provider: 'github' });
      const endless = await w.credential(github.id, { kind: 'token', expiresAt: null });
      const expiring = await w.credential(github.id, { kind: 'token' });
      // Deploy keys, AWS access keys and legacy Kubernetes token Secrets have no expiry to set.
      const deployKey = await w.credential(github.id, { kind: 'private_key', expiresAt: null });
      const aws = await w.nhi({ provider: 'aws' });
      const accessKey = await w.credential(aws.id, { kind: 'access_key', expiresAt: null });
      const cluster = await w.nhi({ provider: 'kubernetes' });
      const legacyToken = await w.credential(cluster.id, { kind: 'token', expiresAt: null });
      return { fires: [endless.id], silent: [expiring.id, deployKey.id, accessKey.id, legacyToken.id] };
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
      // A password alone is a person's account, not a machine identity.
      const person = await w.nhi();
      const personsPassword = await w.credential(person.id, { kind: 'password', lastUsedAt: w.daysAgo(2) });
      return { fires: [usedPassword.id], silent: [unusedPassword.id, key.id, personsPassword.id] };
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
      const tokens = await w.nhi();
      await w.fact(tokens.id, 'k8s.token_create');
      const certificates = await w.nhi();
      await w.fact(certificates.id, 'k8s.csr_approve');
      const reader = await w.nhi();
      await w.fact(reader.id, 'k8s.secrets_read_cluster');
      return { fires: [aws.id, k8s.id, tokens.id, certificates.id], silent: [reader.id] };
    },
  },
  ...factRuleCases([
    ['nhi5.k8s_secrets_read_cluster', ['k8s.secrets_read_cluster'], ['k8s.secrets_read']],
    ['nhi5.k8s_secrets_read', ['k8s.secrets_read'], ['k8s.secrets_read_cluster']],
    ['nhi5.k8s_exec', ['k8s.pods_exec', 'k8s.nodes_proxy'], ['k8s.workload_create']],
    ['nhi5.k8s_workload_create', ['k8s.workload_create'], ['k8s.pods_exec']],
    ['nhi7.multiple_active_keys', ['aws.multiple_active_keys'], ['aws.console_password']],
    ['nhi9.default_sa_bound', ['k8s.default_sa_bound'], ['k8s.sa_shared_by_workloads']],
    ['nhi10.human_use', ['aws.human_use'], ['aws.console_password']],
  ]),
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
      const person = await w.nhi();
      await w.fact(reported.id, 'aws.console_password');
      await w.credential(recorded.id, { kind: 'password', lastUsedAt: null });
      await w.credential(recorded.id);
      await w.credential(keyOnly.id);
      await w.credential(person.id, { kind: 'password', lastUsedAt: null });
      return { fires: [reported.id, recorded.id], silent: [keyOnly.id, person.id] };
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

  it('raises one alert per leaked secret no credential has, rated by its type and verification', async () => {
    const w = await setupAlerts(newDatabase);
    await w.leak('fp-cloud', null, { secretType: 'aws_access_key_id', line: 3 });
    await w.leak('fp-cloud', null, { secretType: 'aws_access_key_id', line: 9 });
    await w.leak('fp-live', null, { secretType: 'github_token', verification: 'live' });
    await w.leak('fp-dead', null, { secretType: 'slack_token', verification: 'invalid' });
    await w.leak('fp-password', null, { secretType: 'generic' });
    await w.leak('fp-gone', null, { secretType: 'github_token', resolvedAt: w.daysAgo(1) });
    const n = await w.nhi();
    await w.credential(n.id, { fingerprint: 'fp-known', status: 'revoked' });
    await w.leak('fp-known');

    await w.evaluate();

    const unlinked = (await w.alerts()).filter((a) => a.ruleId === 'nhi2.leak_unlinked');
    expect(unlinked.map((a) => [a.subject, a.severity, a.nhiId]).sort()).toEqual([
      ['secret:fp-cloud', 'high', null],
      ['secret:fp-dead', 'low', null],
      ['secret:fp-live', 'critical', null],
      ['secret:fp-password', 'medium', null],
    ]);
    const cloud = unlinked.find((a) => a.subject === 'secret:fp-cloud');
    expect(cloud?.evidence).toMatchObject({
      secretType: 'aws_access_key_id',
      locations: 2,
      leaks: [
        { file: 'deploy/.env', line: 3 },
        { file: 'deploy/.env', line: 9 },
      ],
    });
  });

  it('moves an unlinked leak to the identity whose credential a later scan finds', async () => {
    const w = await setupAlerts(newDatabase);
    await w.leak('fp-key', null, { secretType: 'aws_access_key_id' });
    await w.evaluate();
    const n = await w.nhi();
    const key = await w.credential(n.id, { fingerprint: 'fp-key' });

    await w.evaluate();

    const alerts = await w.alerts();
    expect(alerts.find((a) => a.ruleId === 'nhi2.leak_unlinked')).toMatchObject({ state: 'resolved' });
    expect(alerts.find((a) => a.ruleId === 'nhi2.leaked_secret')).toMatchObject({
      state: 'open',
      credentialId: key.id,
      nhiId: n.id,
    });
  });

  it('rolls unowned identities up into one realm finding when most of the realm is unowned', async () => {
    const w = await setupAlerts(newDatabase);
    const service = await w.serviceOf(w.ana);
    await service.configureRule({
      ruleId: 'nhi1.unowned_share',
      thresholds: { minimum: 3, sharePercent: 50 },
    });
    const identities = [];
    for (const owner of [null, null, null, w.ana.id]) {
      const n = await w.nhi({ ownerUserId: owner });
      await w.credential(n.id);
      identities.push(n);
    }

    await w.evaluate();

    const open = (await w.alerts()).filter((a) => a.state === 'open' && a.ruleId.startsWith('nhi1.unowned'));
    expect(open.map((a) => [a.ruleId, a.subject])).toEqual([['nhi1.unowned_share', 'realm']]);
    expect(open[0]?.evidence).toMatchObject({ unowned: 3, machineIdentities: 4, sharePercent: 75 });

    // An incremental evaluation keeps to the roll-up the full pass decided.
    await w.evaluate([identities[0]?.id ?? '']);
    expect(await w.rulesFiring({ nhiId: identities[0]?.id })).not.toContain('nhi1.unowned');
  });

  it('keeps one alert per unowned identity below the roll-up share', async () => {
    const w = await setupAlerts(newDatabase);
    const service = await w.serviceOf(w.ana);
    await service.configureRule({
      ruleId: 'nhi1.unowned_share',
      thresholds: { minimum: 1, sharePercent: 50 },
    });
    for (const owner of [null, w.ana.id, w.ana.id]) {
      const n = await w.nhi({ ownerUserId: owner });
      await w.credential(n.id);
    }

    await w.evaluate();

    const open = (await w.alerts()).filter((a) => a.state === 'open' && a.ruleId.startsWith('nhi1.unowned'));
    expect(open.map((a) => a.ruleId)).toEqual(['nhi1.unowned']);
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
