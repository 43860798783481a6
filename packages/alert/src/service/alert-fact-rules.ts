import type { ScanFactKind } from '@nhi/scanner';

/**
 * Which scanner facts each fact-based rule reads. Written against the scanner's public vocabulary,
 * so a renamed kind fails the typecheck here instead of silently never firing.
 */
export const factKindsOfRule: Record<string, readonly ScanFactKind[]> = {
  'nhi1.orphaned_binding': ['k8s.orphaned_binding'],
  'nhi3.third_party_write_all': [
    'github.app_write_all',
    'github.app_admin_permission',
    'entra.third_party_write',
  ],
  'nhi3.trust_without_external_id': ['aws.trust_external_without_external_id'],
  'nhi3.trust_open_to_any': ['aws.trust_open_to_any'],
  'nhi4.console_password': ['aws.console_password'],
  'nhi4.legacy_token_secret': ['k8s.legacy_token_secret'],
  'nhi4.root_access_key': ['aws.root_access_key'],
  'nhi5.admin': ['aws.admin_policy', 'gcp.owner_role'],
  'nhi5.cluster_admin': ['k8s.cluster_admin'],
  'nhi5.privilege_escalation': [
    'aws.privilege_escalation',
    'k8s.impersonate',
    'k8s.bind_escalate',
    'k8s.token_create',
    'k8s.csr_approve',
    'gcp.impersonation',
    'entra.privilege_escalation_permission',
    'gitlab.admin_scope',
  ],
  'nhi5.unused_services': ['aws.unused_services'],
  'nhi5.write_credential': [
    'github.deploy_key_write',
    'github.pat_write_permission',
    'gitlab.token_write_scope',
    'gitlab.deploy_key_write',
    'gitlab.deploy_token_write',
  ],
  'nhi6.ci_oidc_trust_open': ['aws.ci_oidc_trust_without_subject'],
  'nhi6.ci_static_cloud_key': ['github.actions_cloud_key', 'gitlab.ci_cloud_key'],
  'nhi5.k8s_secrets_read_cluster': ['k8s.secrets_read_cluster'],
  'nhi5.k8s_secrets_read': ['k8s.secrets_read'],
  'nhi5.k8s_exec': ['k8s.pods_exec', 'k8s.nodes_proxy'],
  'nhi5.k8s_workload_create': ['k8s.workload_create'],
  'nhi7.multiple_active_keys': ['aws.multiple_active_keys'],
  'nhi9.default_sa_bound': ['k8s.default_sa_bound'],
  'nhi10.human_use': ['aws.human_use'],
  'nhi5.wildcard_permissions': [
    'aws.wildcard_action',
    'aws.wildcard_resource',
    'aws.not_action',
    'k8s.wildcard_rule',
    'gcp.editor_role',
    'entra.tenant_wide_write',
  ],
  'nhi9.shared_service_account': ['k8s.sa_shared_by_workloads'],
};

/** fact kind -> rule id for the enabled rules. */
export function factRulesOf(enabled: ReadonlySet<string>): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [ruleId, kinds] of Object.entries(factKindsOfRule)) {
    if (!enabled.has(ruleId)) continue;
    for (const kind of kinds) map[kind] = ruleId;
  }
  return map;
}
