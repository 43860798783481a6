import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { arrangeFactRule } from '../testing/fact-rule-case.ts';

/**
 * The CI/CD trust rules (OWASP NHI6) and write-access credentials (NHI5) from scanner facts: each
 * fires on an identity with any of its kinds, and not on one with only neighbouring kinds nor on a
 * disabled identity.
 */
const table: [rule: string, severity: string, kinds: string[], neighbours: string[]][] = [
  [
    'nhi6.ci_oidc_trust_open',
    'critical',
    ['aws.ci_oidc_trust_without_subject'],
    ['aws.trust_open_to_any', 'aws.trust_external_without_external_id'],
  ],
  [
    'nhi6.ci_static_cloud_key',
    'medium',
    ['github.actions_cloud_key', 'gitlab.ci_cloud_key'],
    ['github.pat_no_expiry', 'credential.never_used'],
  ],
  [
    'nhi5.write_credential',
    'medium',
    [
      'github.deploy_key_write',
      'github.pat_write_permission',
      'gitlab.token_write_scope',
      'gitlab.deploy_key_write',
      'gitlab.deploy_token_write',
    ],
    ['github.pat_no_expiry', 'github.app_suspended', 'github.actions_cloud_key'],
  ],
];

describeEachDatabase('CI/CD trust and write-access rules', (_kind, newDatabase) => {
  // One inventory for every case: a database per case would cost more than the rules themselves.
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const expected = new Map<string, { severity: string; fires: string[]; silent: string[] }>();
    for (const [rule, severity, kinds, neighbours] of table)
      expected.set(rule, { severity, ...(await arrangeFactRule(w, kinds, neighbours)) });
    const twoWrites = await w.nhi();
    await w.fact(twoWrites.id, 'github.pat_write_permission');
    await w.fact(twoWrites.id, 'github.deploy_key_write');
    expected.get('nhi5.write_credential')?.fires.push(twoWrites.id);
    return { w, expected };
  }

  it('flags the identities with each rule’s facts, once each, and nothing else', async () => {
    const { w, expected } = await setup();

    await w.evaluate();

    const alerts = (await w.alerts()).filter((a) => a.state === 'open');
    for (const [rule, { severity, fires, silent }] of expected) {
      // Another rule's neighbour may rightly fire this rule: each rule is judged on its own identities.
      const own = new Set([...fires, ...silent]);
      const raised = alerts.filter((a) => a.ruleId === rule && own.has(a.nhiId ?? ''));
      expect(raised.map((a) => a.nhiId).sort(), rule).toEqual([...fires].sort());
      for (const id of silent)
        expect(
          raised.map((a) => a.nhiId),
          rule,
        ).not.toContain(id);
      for (const alert of raised)
        expect([alert.owaspId, alert.severity], rule).toEqual([rule.slice(0, 4).toUpperCase(), severity]);
    }
  });
});
