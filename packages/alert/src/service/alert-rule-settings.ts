import type { RealmTx } from '@nhi/platform';
import { type AlertRule, alertRules } from './alert-rules.ts';

export interface EffectiveRule {
  rule: AlertRule;
  enabled: boolean;
  /** Every threshold of the rule: the realm's value, else the default. */
  thresholds: Record<string, number>;
  customised: boolean;
}

/** The catalogue as this realm configured it. */
export async function loadEffectiveRules(tx: RealmTx): Promise<EffectiveRule[]> {
  const rows = await tx.alertRuleSetting.findMany({
    select: { ruleId: true, enabled: true, thresholds: true },
  });
  const byRule = new Map(rows.map((row) => [row.ruleId, row]));
  return alertRules.map((rule: AlertRule) => {
    const row = byRule.get(rule.id);
    const stored = (row?.thresholds ?? {}) as Record<string, unknown>;
    const thresholds: Record<string, number> = {};
    for (const threshold of rule.thresholds) {
      const value = stored[threshold.key];
      thresholds[threshold.key] = typeof value === 'number' ? value : threshold.defaultValue;
    }
    return { rule, enabled: row?.enabled ?? true, thresholds, customised: row !== undefined };
  });
}
