/**
 * The vocabulary of finding facts connectors record (table ScanFact) and alert rules are written
 * against. A fact states what was observed, not how bad it is: severity belongs to the rules.
 * Documented with their evidence in docs/decisions/0011-scanner-sources-scans-and-facts.md.
 */
export const scanFactKinds = {
  // AWS IAM
  'aws.admin_policy': 'Allows every action on every resource (AdministratorAccess or "*" on "*")',
  'aws.wildcard_action': 'Allows a whole service ("s3:*") or every action on a resource',
  'aws.wildcard_resource': 'Allows write or permission-management actions on Resource "*"',
  'aws.not_action': 'Grants through NotAction (everything except a list)',
  'aws.privilege_escalation':
    'Allows an action that can grant itself more (iam:PassRole, iam:CreatePolicyVersion, ...)',
  'aws.trust_open_to_any': 'Role trust policy lets any AWS principal ("AWS": "*") assume it',
  'aws.trust_external_without_external_id':
    'Role trusted by another account without an sts:ExternalId condition',
  'aws.console_password': 'Machine user with a console password',
  'aws.root_access_key': 'The root account has an active access key',
  'aws.multiple_active_keys': 'User has two active access keys',
  'aws.human_use':
    'A person uses this machine identity: its console password is used while its access keys serve software',
  'aws.unused_services':
    'Granted many services it has not used in the tracking period (IAM access advisor: granted 212, used 3)',
  'aws.ci_oidc_trust_without_subject':
    'Role trusted by a CI OIDC issuer (GitHub Actions, GitLab) with no sub condition, or one any repository satisfies',
  // Kubernetes RBAC and workloads
  'k8s.cluster_admin': 'Bound to cluster-admin (a ServiceAccount, user or group)',
  'k8s.wildcard_rule': 'RBAC rule with "*" verbs or resources',
  'k8s.secrets_read_cluster': 'May get, list or watch the Secrets of every namespace (ClusterRoleBinding)',
  'k8s.secrets_read': 'May get, list or watch the Secrets of one namespace',
  'k8s.impersonate': 'May impersonate users, groups or service accounts',
  'k8s.bind_escalate': 'May bind or escalate roles',
  'k8s.pods_exec': 'May exec or attach into pods',
  'k8s.workload_create': 'May create pods or workloads (runs as any ServiceAccount of the namespace)',
  'k8s.nodes_proxy': 'May reach the kubelet API through nodes/proxy (commands in any pod of a node)',
  'k8s.token_create': 'May create tokens for ServiceAccounts (serviceaccounts/token)',
  'k8s.csr_approve': 'May approve certificate signing requests (mints client certificates)',
  'k8s.legacy_token_secret': 'Long-lived kubernetes.io/service-account-token Secret',
  'k8s.orphaned_binding': 'Binding to a ServiceAccount that does not exist',
  'k8s.default_sa_bound': 'The default ServiceAccount has extra role bindings',
  'k8s.sa_shared_by_workloads': 'One ServiceAccount is used by several workloads',
  // GitHub
  'github.app_write_all': 'App installation with write or admin permissions on all repositories',
  'github.app_admin_permission': 'App installation with an admin permission',
  'github.app_suspended': 'App installation is suspended',
  'github.deploy_key_write': 'Deploy key with write access',
  'github.pat_no_expiry': 'Fine-grained personal access token without expiry',
  'github.pat_write_permission': 'Fine-grained personal access token with write or admin permissions',
  'github.actions_cloud_key':
    'Actions secret named as a long-lived cloud key (AWS_SECRET_ACCESS_KEY, GCP_SA_KEY, ...) where OIDC federation exists',
  // Google Cloud
  'gcp.owner_role': 'Service account holds roles/owner on a project, folder or organization',
  'gcp.editor_role': 'Service account holds roles/editor (a basic role: write to nearly every service)',
  'gcp.impersonation':
    'May act as other service accounts or mint their tokens or keys (serviceAccountTokenCreator, serviceAccountKeyAdmin, serviceAccountUser) beyond itself',
  // Microsoft Entra ID
  'entra.privilege_escalation_permission':
    'Application permission that lets it grant itself or others more (RoleManagement.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All, Application.ReadWrite.All)',
  'entra.tenant_wide_write':
    'Application permission to write across the tenant (Directory.ReadWrite.All, Mail.ReadWrite, Files.ReadWrite.All, ...)',
  'entra.third_party_write':
    'Multi-tenant application of another publisher holding write application permissions in this tenant',
  // GitLab
  'gitlab.token_write_scope': 'Access token with the api scope or a write scope',
  'gitlab.admin_scope': 'Access token with the sudo or admin_mode scope',
  'gitlab.deploy_key_write': 'Deploy key with write access',
  'gitlab.deploy_token_write': 'Deploy token with write_repository or write_registry',
  'gitlab.ci_cloud_key':
    'CI/CD variable named as a long-lived cloud key (AWS_SECRET_ACCESS_KEY, GOOGLE_CREDENTIALS, ...); its value is never read',
  // Credentials of any provider
  'credential.never_used': 'Active credential that has never been used',
  // Leaked secrets
  'leak.credential_exposed': 'A secret of this credential was found in code or files',
} as const;

export type ScanFactKind = keyof typeof scanFactKinds;

export const scanFactKindList = Object.keys(scanFactKinds) as ScanFactKind[];

export function isScanFactKind(value: string): value is ScanFactKind {
  return Object.hasOwn(scanFactKinds, value);
}

/** A fact as a connector reports it, before it is tied to a stored NHI. */
export interface ObservedFact {
  kind: ScanFactKind;
  /** Unique within the source for this kind, e.g. `<principal arn>|<policy arn>`. */
  subject: string;
  /** Non-secret details: the statement, policy, binding or rule that produced the fact. */
  evidence: Record<string, unknown>;
}
