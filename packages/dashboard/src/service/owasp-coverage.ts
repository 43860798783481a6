import { owaspNhiRisks } from '@nhi/alert/owasp';
import type { AlertRuleId } from '@nhi/alert/rules';
import { alertRules } from '@nhi/alert/rules';
import type { OwaspCoverage, ReportSourceType } from '../api/report-view.ts';
import { reportSourceTypes } from '../api/report-view.ts';

/** Sources that report identities and their credentials: what the inventory's rules read. */
const inventory: readonly ReportSourceType[] = ['aws_iam', 'github', 'kubernetes', 'gcp', 'entra', 'gitlab'];

/**
 * Which connected source types feed each rule of the catalogue: the one place the report learns
 * what a realm can check. Read from each rule's `sources` and, for rules on scanner facts, from
 * the facts they read (a test holds the two together, and fails when a rule is added without an
 * entry). Manual and imported identities feed the inventory rules too, but are no source to connect.
 */
export const sourceTypesOfRule: Record<AlertRuleId, readonly ReportSourceType[]> = {
  'nhi1.unowned': inventory,
  'nhi1.owner_inactive': inventory,
  // Only sources that record a credential's last use.
  'nhi1.unused': ['aws_iam', 'github', 'gcp', 'entra', 'gitlab'],
  'nhi1.never_used': ['aws_iam', 'github', 'gcp', 'entra', 'gitlab'],
  'nhi1.orphaned_binding': ['kubernetes'],
  'nhi1.unowned_share': inventory,
  'nhi2.leaked_secret': ['secrets'],
  'nhi2.leak_unlinked': ['secrets'],
  'nhi3.third_party_write_all': ['github', 'entra'],
  'nhi3.trust_without_external_id': ['aws_iam'],
  'nhi3.trust_open_to_any': ['aws_iam'],
  'nhi4.console_password': ['aws_iam'],
  'nhi4.legacy_token_secret': ['kubernetes'],
  'nhi4.root_access_key': ['aws_iam'],
  'nhi5.admin': ['aws_iam', 'gcp'],
  'nhi5.cluster_admin': ['kubernetes'],
  'nhi5.privilege_escalation': ['aws_iam', 'kubernetes', 'gcp', 'entra', 'gitlab'],
  'nhi5.wildcard_permissions': ['aws_iam', 'kubernetes', 'gcp', 'entra'],
  'nhi5.unused_services': ['aws_iam'],
  'nhi5.write_credential': ['github', 'gitlab'],
  'nhi5.k8s_secrets_read_cluster': ['kubernetes'],
  'nhi5.k8s_secrets_read': ['kubernetes'],
  'nhi5.k8s_exec': ['kubernetes'],
  'nhi5.k8s_workload_create': ['kubernetes'],
  'nhi7.credential_age': inventory,
  'nhi7.credential_age_critical': inventory,
  // Tokens and keys that may carry an expiry (AWS keys and Kubernetes token Secrets cannot).
  'nhi7.no_expiry': ['github', 'gcp', 'entra', 'gitlab'],
  'nhi7.expired_active': inventory,
  'nhi7.expiring_soon': inventory,
  'nhi7.multiple_active_keys': ['aws_iam'],
  'nhi8.cross_environment_secret': inventory,
  'nhi9.shared_secret': inventory,
  'nhi9.shared_service_account': ['kubernetes'],
  'nhi9.default_sa_bound': ['kubernetes'],
  'nhi10.interactive_login': ['aws_iam'],
  'nhi10.human_use': ['aws_iam'],
  'nhi6.ci_oidc_trust_open': ['aws_iam'],
  'nhi6.ci_static_cloud_key': ['github', 'gitlab'],
};

/** Rules that read the inventory itself, whatever fed it: hand-entered and imported identities too. */
const inventoryRuleIds = new Set(
  Object.entries(sourceTypesOfRule)
    .filter(([, types]) => types === inventory)
    .map(([ruleId]) => ruleId),
);

/** Source types that feed at least one rule of each OWASP id. */
function sourceTypesOfRisk(): Map<string, Set<ReportSourceType>> {
  const byRisk = new Map<string, Set<ReportSourceType>>(owaspNhiRisks.map((risk) => [risk.id, new Set()]));
  for (const rule of alertRules) {
    const types = byRisk.get(rule.owaspId);
    for (const type of sourceTypesOfRule[rule.id]) types?.add(type);
  }
  return byRisk;
}

/**
 * For each risk of the Top 10, in its order: which of the connected source types can evaluate it,
 * which cannot, and which types, once connected, would.
 */
export function owaspCoverageOf(
  connected: readonly ReportSourceType[],
  openAlertsByOwasp: Record<string, number>,
): OwaspCoverage[] {
  const byRisk = sourceTypesOfRisk();
  const isConnected = new Set(connected);
  return owaspNhiRisks.map((risk) => {
    const feeding = byRisk.get(risk.id) ?? new Set<ReportSourceType>();
    const ordered = reportSourceTypes.filter((type) => feeding.has(type));
    return {
      id: risk.id,
      name: risk.name,
      evaluatedBy: ordered.filter((type) => isConnected.has(type)),
      notEvaluatedBy: reportSourceTypes.filter((type) => isConnected.has(type) && !feeding.has(type)),
      wouldBeEvaluatedBy: ordered.filter((type) => !isConnected.has(type)),
      fromInventory: alertRules.some((rule) => rule.owaspId === risk.id && inventoryRuleIds.has(rule.id)),
      openAlerts: Number(openAlertsByOwasp[risk.id] ?? 0),
    };
  });
}
