/**
 * The rule catalogue: what each rule finds, how bad it is, why it matters and what to do. The
 * conditions themselves are set-based SQL (alert-findings.sql.ts); a realm turns rules on or off
 * and changes the thresholds declared here. Which inputs can feed which rule: ADR 0015.
 */
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

export type OwaspNhiId =
  | 'NHI1'
  | 'NHI2'
  | 'NHI3'
  | 'NHI4'
  | 'NHI5'
  | 'NHI6'
  | 'NHI7'
  | 'NHI8'
  | 'NHI9'
  | 'NHI10';

export interface RuleThreshold {
  key: string;
  label: string;
  /** In the unit the label names: days, a percentage or a count. */
  defaultValue: number;
  min: number;
  max: number;
}

export interface AlertRule {
  id: string;
  owaspId: OwaspNhiId;
  severity: AlertSeverity;
  title: string;
  explanation: string;
  remediation: string;
  /**
   * What an alert of this rule is about: one per credential, per NHI, per scanner subject (a binding
   * to a missing account, a user or group of a cluster), per leaked secret, or the realm as a whole.
   */
  subject: 'credential' | 'nhi' | 'fact' | 'secret' | 'realm';
  /** Where the data comes from: the inventory (manual, import, any source) or scanner facts. */
  sources: string;
  thresholds: RuleThreshold[];
  /**
   * What an open alert of this rule says about its identity's risk (ADR 0021): how much it can do
   * (impact), how reachable its secret is to an attacker (exposure), or how badly it is kept
   * (hygiene), with a weight from 0 to 1 within that dimension.
   */
  risk: RiskContribution;
}

export type RiskDimension = 'impact' | 'exposure' | 'hygiene';

export interface RiskContribution {
  dimension: RiskDimension;
  weight: number;
}

const days = (key: string, label: string, defaultValue: number): RuleThreshold => ({
  key,
  label,
  defaultValue,
  min: 1,
  max: 3650,
});

const inventory = 'Inventory (manual, import and every source)';
const impact = (weight: number): RiskContribution => ({ dimension: 'impact', weight });
const exposure = (weight: number): RiskContribution => ({ dimension: 'exposure', weight });
const hygiene = (weight: number): RiskContribution => ({ dimension: 'hygiene', weight });
/** Sources that record when a credential was last used; the others (Kubernetes) cannot say "never used". */
export const usageReportingProviders = ['aws', 'github', 'gcp', 'azure', 'slack', 'okta'] as const;
/** Credential kinds that may carry an expiry; access keys, passwords and SSH keys cannot. */
export const expiringCredentialKinds = ['token', 'api_key', 'client_secret', 'certificate'] as const;
/** Providers whose tokens of those kinds still cannot expire (legacy Kubernetes token Secrets). */
export const providersWithoutExpiry = ['aws', 'kubernetes'] as const;

export const alertRules = [
  {
    id: 'nhi1.unowned',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'Machine identity without an owner',
    explanation:
      'Nobody is accountable for this identity while its credentials work: it will not be rotated or offboarded. When most of a realm is unowned the realm-level finding replaces one alert per identity.',
    remediation: 'Assign an owner who answers for its use and lifecycle, or decommission it.',
    subject: 'nhi',
    sources:
      'Inventory: identities with an active credential (people and the AWS root account are not machine identities)',
    thresholds: [],
    risk: hygiene(0.3),
  },
  {
    id: 'nhi1.owner_inactive',
    owaspId: 'NHI1',
    severity: 'high',
    title: 'Owner no longer active in the realm',
    explanation: 'The owner left the realm or their account is disabled, while the identity keeps working.',
    remediation: 'Hand the identity to an active owner, or disable it and revoke its credentials.',
    subject: 'nhi',
    sources: inventory,
    thresholds: [],
    risk: hygiene(0.5),
  },
  {
    id: 'nhi1.unused',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'Active credential unused for a long time',
    explanation: 'A credential nobody uses is pure exposure: it can only serve an attacker.',
    remediation: 'Confirm with the owner and revoke the credential; disable the identity if it is idle.',
    subject: 'credential',
    sources:
      'Credentials with a recorded last use: AWS credential report and live scans, GitHub, manual entry',
    thresholds: [days('unusedDays', 'Unused for more than (days)', 90)],
    risk: hygiene(0.4),
  },
  {
    id: 'nhi1.never_used',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'Credential never used since creation',
    explanation: 'A credential created and never used after the grace period was likely forgotten.',
    remediation: 'Revoke the credential unless the owner confirms an upcoming use.',
    subject: 'credential',
    sources:
      'Sources that record credential use: AWS (credential report, live), GitHub, GCP, Azure, Slack, Okta; not Kubernetes, which does not report token use, nor manual entries without a recorded use',
    thresholds: [days('graceDays', 'Grace period for new credentials (days)', 14)],
    risk: hygiene(0.3),
  },
  {
    id: 'nhi1.orphaned_binding',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'Role binding to a missing ServiceAccount',
    explanation: 'Whoever creates a ServiceAccount with that name inherits the binding’s permissions.',
    remediation: 'Delete the binding or its subject entry.',
    subject: 'fact',
    sources: 'Kubernetes scans',
    thresholds: [],
    risk: impact(0.4),
  },
  {
    id: 'nhi2.leaked_secret',
    owaspId: 'NHI2',
    severity: 'critical',
    title: 'Leaked secret still active',
    explanation: 'A secret of this active credential was found in code or files.',
    remediation: 'Rotate the credential now, check its use since the leak, remove the secret from history.',
    subject: 'credential',
    sources: 'Secret scans (gitleaks reports) matched to inventoried credentials by fingerprint',
    thresholds: [],
    risk: exposure(0.8),
  },
  {
    id: 'nhi3.third_party_write_all',
    owaspId: 'NHI3',
    severity: 'high',
    title: 'Third-party app with admin or write-all access',
    explanation: 'A compromise of the vendor compromises every repository the app can write to.',
    remediation: 'Narrow the installation to the repositories and permissions it needs.',
    subject: 'nhi',
    sources: 'GitHub scans',
    thresholds: [],
    risk: impact(0.6),
  },
  {
    id: 'nhi3.trust_without_external_id',
    owaspId: 'NHI3',
    severity: 'high',
    title: 'Cross-account trust without ExternalId',
    explanation: 'Any customer of the trusted vendor could make it assume this role (confused deputy).',
    remediation: 'Require an sts:ExternalId condition in the role’s trust policy.',
    subject: 'nhi',
    sources: 'AWS authorization-details scans',
    thresholds: [],
    risk: exposure(0.5),
  },
  {
    id: 'nhi3.trust_open_to_any',
    owaspId: 'NHI3',
    severity: 'critical',
    title: 'Trust policy open to any principal',
    explanation: 'Any AWS account in the world can assume this role.',
    remediation: 'Name the trusted principals explicitly in the trust policy.',
    subject: 'nhi',
    sources: 'AWS authorization-details scans',
    thresholds: [],
    risk: exposure(0.9),
  },
  {
    id: 'nhi4.console_password',
    owaspId: 'NHI4',
    severity: 'medium',
    title: 'Machine identity with a console password',
    explanation: 'A password adds a phishable, interactive way in to an identity meant for software.',
    remediation: 'Remove the console password (login profile) from the machine user.',
    subject: 'nhi',
    sources: 'AWS credential-report scans; password credentials in the inventory',
    thresholds: [],
    risk: exposure(0.3),
  },
  {
    id: 'nhi4.legacy_token_secret',
    owaspId: 'NHI4',
    severity: 'medium',
    title: 'Legacy Kubernetes service-account token Secret',
    explanation:
      'The token never expires and is readable by anyone who can read Secrets. Kubernetes does not report when a token is used, so an idle token cannot be told from a busy one: its age and who can read it are what is known.',
    remediation: 'Delete the Secret and use projected, short-lived tokens (TokenRequest).',
    subject: 'nhi',
    sources: 'Kubernetes scans',
    thresholds: [],
    risk: exposure(0.3),
  },
  {
    id: 'nhi4.root_access_key',
    owaspId: 'NHI4',
    severity: 'critical',
    title: 'Root account with an active access key',
    explanation: 'A root key cannot be restricted by any policy.',
    remediation: 'Delete the root access key; use roles for automation.',
    subject: 'nhi',
    sources: 'AWS credential-report scans',
    thresholds: [],
    risk: impact(1),
  },
  {
    id: 'nhi5.admin',
    owaspId: 'NHI5',
    severity: 'critical',
    title: 'Administrator permissions',
    explanation:
      'After every Deny and boundary, the identity may still do everything (Action "*", or Allow NotAction on "*"): its compromise is a full compromise of the account.',
    remediation:
      'Replace the administrator grant named in the evidence with the actions and resources the workload uses.',
    subject: 'nhi',
    sources: 'AWS authorization-details scans',
    thresholds: [],
    risk: impact(1),
  },
  {
    id: 'nhi5.cluster_admin',
    owaspId: 'NHI5',
    severity: 'critical',
    title: 'Bound to cluster-admin',
    explanation:
      'Any pod running as this ServiceAccount, or anyone holding its token, controls the whole cluster.',
    remediation: 'Bind a namespaced role with the verbs and resources it needs.',
    subject: 'nhi',
    sources: 'Kubernetes scans',
    thresholds: [],
    risk: impact(1),
  },
  {
    id: 'nhi5.privilege_escalation',
    owaspId: 'NHI5',
    severity: 'high',
    title: 'Privilege-escalation permissions',
    explanation:
      'The identity holds a known combination of rights that lets it grant itself or others more (a published escalation path, or Kubernetes bind, escalate, impersonate, token creation or certificate approval); the evidence names the path and the statements or bindings that grant it.',
    remediation: 'Remove the escalation actions or constrain them to named resources.',
    subject: 'nhi',
    sources: 'AWS authorization-details and live scans (escalation-path catalogue); Kubernetes scans',
    thresholds: [],
    risk: impact(0.8),
  },
  {
    id: 'nhi5.wildcard_permissions',
    owaspId: 'NHI5',
    severity: 'high',
    title: 'Wildcard permissions',
    explanation: 'Whole services, every resource or NotAction grants far more than the workload needs.',
    remediation: 'List the actions and resources explicitly.',
    subject: 'nhi',
    sources: 'AWS authorization-details and Kubernetes scans',
    thresholds: [],
    risk: impact(0.6),
  },
  {
    id: 'nhi7.credential_age',
    owaspId: 'NHI7',
    severity: 'high',
    title: 'Credential older than the rotation period',
    explanation: 'A long-lived secret has had a long time to leak.',
    remediation: 'Rotate the credential and automate its rotation.',
    subject: 'credential',
    sources: inventory,
    thresholds: [days('ageDays', 'Older than (days)', 90)],
    risk: hygiene(0.4),
  },
  {
    id: 'nhi7.credential_age_critical',
    owaspId: 'NHI7',
    severity: 'critical',
    title: 'Credential older than a year',
    explanation: 'A secret unchanged for over a year is very likely known beyond its owner.',
    remediation: 'Rotate the credential now and automate its rotation.',
    subject: 'credential',
    sources: inventory,
    thresholds: [days('ageDays', 'Older than (days)', 365)],
    risk: hygiene(0.6),
  },
  {
    id: 'nhi7.no_expiry',
    owaspId: 'NHI7',
    severity: 'low',
    title: 'Credential without expiry',
    explanation: 'A token or key that could carry an expiry has none: nothing forces it to ever be replaced.',
    remediation: 'Issue it again with an expiry, or prefer short-lived federated credentials.',
    subject: 'credential',
    sources:
      'Tokens, API keys, client secrets and certificates of providers that support expiry (GitHub, manual, import); AWS access keys and Kubernetes token Secrets cannot expire and are left to the age rules',
    thresholds: [],
    risk: hygiene(0.1),
  },
  {
    id: 'nhi7.expired_active',
    owaspId: 'NHI7',
    severity: 'high',
    title: 'Expired credential still active',
    explanation: 'The credential passed its expiry but is still recorded as active.',
    remediation: 'Revoke it, or rotate it if the expiry was missed by mistake.',
    subject: 'credential',
    sources: inventory,
    thresholds: [],
    risk: hygiene(0.5),
  },
  {
    id: 'nhi7.expiring_soon',
    owaspId: 'NHI7',
    severity: 'medium',
    title: 'Credential expiring soon',
    explanation: 'The workload using it will fail when it expires.',
    remediation: 'Rotate it before the expiry.',
    subject: 'credential',
    sources: inventory,
    thresholds: [days('withinDays', 'Expiring within (days)', 30)],
    risk: hygiene(0.2),
  },
  {
    id: 'nhi8.cross_environment_secret',
    owaspId: 'NHI8',
    severity: 'high',
    title: 'Same secret in several environments',
    explanation: 'A secret shared by production and non-production is exposed to the weaker one.',
    remediation: 'Issue one credential per environment.',
    subject: 'credential',
    sources: `${inventory} (credential fingerprints)`,
    thresholds: [],
    risk: exposure(0.4),
  },
  {
    id: 'nhi9.shared_secret',
    owaspId: 'NHI9',
    severity: 'medium',
    title: 'Same secret on several NHIs',
    explanation: 'Shared secrets cannot be rotated or revoked for one user without breaking the others.',
    remediation: 'Give each identity its own credential.',
    subject: 'credential',
    sources: `${inventory} (credential fingerprints)`,
    thresholds: [],
    risk: exposure(0.3),
  },
  {
    id: 'nhi9.shared_service_account',
    owaspId: 'NHI9',
    severity: 'medium',
    title: 'ServiceAccount used by many workloads',
    explanation: 'Every workload gets the union of the rights all of them need.',
    remediation: 'Give each workload its own ServiceAccount.',
    subject: 'nhi',
    sources: 'Kubernetes scans',
    thresholds: [],
    risk: hygiene(0.3),
  },
  {
    id: 'nhi10.interactive_login',
    owaspId: 'NHI10',
    severity: 'high',
    title: 'Console login on a machine identity',
    explanation: 'A person signs in as this identity: actions can no longer be told apart.',
    remediation: 'Give the person their own account and remove the password from the identity.',
    subject: 'credential',
    sources: 'Password credentials with a recorded use (inventory, AWS credential report)',
    thresholds: [],
    risk: exposure(0.4),
  },
  {
    id: 'nhi1.unowned_share',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'Most machine identities of the realm have no owner',
    explanation:
      'More than the threshold share of the machine identities with live credentials have no owner: ownership was never assigned here, so one alert per identity would only bury the rest. The list behind this finding is the inventory’s "Unowned" filter.',
    remediation: 'Assign owners by team (groups), starting with the identities at the top of "fix first".',
    subject: 'realm',
    sources: 'Inventory: identities with an active credential',
    thresholds: [
      {
        key: 'sharePercent',
        label: 'Roll up above this share unowned (%)',
        defaultValue: 50,
        min: 1,
        max: 100,
      },
      {
        key: 'minimum',
        label: 'Only from this many unowned identities',
        defaultValue: 20,
        min: 1,
        max: 100000,
      },
    ],
    risk: hygiene(0.3),
  },
  {
    id: 'nhi2.leak_unlinked',
    owaspId: 'NHI2',
    severity: 'high',
    title: 'Leaked secret of no known credential',
    explanation:
      'A secret was found in code or files and no credential of the inventory has it: it may be live and nobody here answers for it. Severity follows the secret type and its verification (live: critical; invalid: low; generic passwords and high-entropy strings: medium).',
    remediation:
      'Find who issued the secret, revoke or rotate it at its provider, and remove it from the repository history. When a later scan finds its credential, the alert moves to that identity.',
    subject: 'secret',
    sources: 'Secret scans and imported reports (gitleaks, trufflehog, detect-secrets)',
    thresholds: [],
    risk: exposure(0.8),
  },
  {
    id: 'nhi5.k8s_secrets_read_cluster',
    owaspId: 'NHI5',
    severity: 'critical',
    title: 'May read every Secret of the cluster',
    explanation:
      'A ClusterRoleBinding lets this subject get, list or watch Secrets in every namespace: every token, password and key stored in the cluster is one request away.',
    remediation:
      'Bind a Role in the namespace the workload needs, limited to the Secrets it reads by name (resourceNames), or mount the secret instead of reading the API.',
    subject: 'nhi',
    sources: 'Kubernetes scans (ServiceAccounts, users and groups)',
    thresholds: [],
    // Every token of the cluster, cluster-admin's included, is readable: administrator in effect.
    risk: impact(1),
  },
  {
    id: 'nhi5.k8s_secrets_read',
    owaspId: 'NHI5',
    severity: 'high',
    title: 'May read the Secrets of a namespace',
    explanation:
      'A RoleBinding lets this subject get, list or watch every Secret of the namespace, including the tokens of its other ServiceAccounts.',
    remediation: 'Limit the rule to the Secrets the workload needs (resourceNames) or mount them instead.',
    subject: 'nhi',
    sources: 'Kubernetes scans (ServiceAccounts, users and groups)',
    thresholds: [],
    risk: impact(0.5),
  },
  {
    id: 'nhi5.k8s_exec',
    owaspId: 'NHI5',
    severity: 'high',
    title: 'May run commands in other workloads',
    explanation:
      'pods/exec, pods/attach or nodes/proxy let this subject run commands inside other pods and act with their ServiceAccounts and secrets.',
    remediation: 'Remove exec, attach and nodes/proxy from the role; debug through a separate, audited role.',
    subject: 'nhi',
    sources: 'Kubernetes scans (ServiceAccounts, users and groups)',
    thresholds: [],
    risk: impact(0.6),
  },
  {
    id: 'nhi5.k8s_workload_create',
    owaspId: 'NHI5',
    severity: 'high',
    title: 'May create workloads',
    explanation:
      'Whoever may create pods or controllers in a namespace may run them as any ServiceAccount of that namespace and mount its Secrets.',
    remediation:
      'Leave workload creation to the deployment pipeline’s identity, in the namespaces it deploys to.',
    subject: 'nhi',
    sources: 'Kubernetes scans (ServiceAccounts, users and groups)',
    thresholds: [],
    risk: impact(0.5),
  },
  {
    id: 'nhi7.multiple_active_keys',
    owaspId: 'NHI7',
    severity: 'medium',
    title: 'Two active access keys',
    explanation:
      'A user with two active keys has a rotation that never finished, or two consumers of one identity: the older key stays exposed.',
    remediation: 'Move every consumer to the newer key, then deactivate and delete the older one.',
    subject: 'nhi',
    sources: 'AWS credential-report and live scans',
    thresholds: [],
    risk: hygiene(0.3),
  },
  {
    id: 'nhi9.default_sa_bound',
    owaspId: 'NHI9',
    severity: 'medium',
    title: 'Default ServiceAccount with extra rights',
    explanation:
      'Every pod of the namespace that names no ServiceAccount runs as "default": rights bound to it are given to all of them.',
    remediation:
      'Bind the rights to a dedicated ServiceAccount and set the workloads that need them to use it.',
    subject: 'nhi',
    sources: 'Kubernetes scans',
    thresholds: [],
    risk: impact(0.4),
  },
  {
    id: 'nhi10.human_use',
    owaspId: 'NHI10',
    severity: 'high',
    title: 'Machine identity also used by a person',
    explanation:
      'Its access keys serve software while its console password is used to sign in: a person shares the identity, so their actions and the workload’s can no longer be told apart.',
    remediation: 'Give the person their own account, then remove the console password from this identity.',
    subject: 'nhi',
    sources: 'AWS credential-report and live scans',
    thresholds: [],
    risk: exposure(0.4),
  },
  {
    id: 'nhi5.unused_services',
    owaspId: 'NHI5',
    severity: 'medium',
    title: 'Granted far more services than it uses',
    explanation:
      'IAM access advisor shows the identity may call many services it has not called once in the tracking period: every unused grant is reach an attacker gains with its keys and the workload never needed.',
    remediation:
      'Remove the services the evidence lists as unused, or replace the grant with a policy generated from its access activity.',
    subject: 'nhi',
    sources: 'AWS live and organization scans (IAM access advisor)',
    thresholds: [],
    risk: impact(0.3),
  },
  {
    id: 'nhi5.write_credential',
    owaspId: 'NHI5',
    severity: 'medium',
    title: 'Long-lived token or key with write access',
    explanation:
      'A deploy key, deploy token or access token that may push code or change projects: whoever holds it can change what gets built and shipped.',
    remediation: 'Make it read-only, or narrow its scopes to what the automation writes, with an expiry.',
    subject: 'nhi',
    sources: 'GitHub and GitLab scans',
    thresholds: [],
    risk: impact(0.4),
  },
  {
    id: 'nhi6.ci_oidc_trust_open',
    owaspId: 'NHI6',
    severity: 'critical',
    title: 'Role any CI pipeline can assume',
    explanation:
      'The role trusts a CI OIDC issuer (GitHub Actions, GitLab) without a sub condition, or with one any repository satisfies: a workflow in any repository of that CI service, including an attacker’s, can take the role.',
    remediation:
      'Add a StringEquals or StringLike condition on the issuer’s sub naming the repositories and branches or environments that deploy, and its aud.',
    subject: 'nhi',
    sources: 'AWS authorization-details, live and organization scans',
    thresholds: [],
    risk: exposure(0.9),
  },
  {
    id: 'nhi6.ci_static_cloud_key',
    owaspId: 'NHI6',
    severity: 'medium',
    title: 'Long-lived cloud key stored as a CI secret',
    explanation:
      'A CI secret or variable holds a static cloud key where the CI service can federate through OIDC: the key never expires and is exposed to every workflow that reads it.',
    remediation:
      'Trust the CI issuer from the cloud account with a sub condition, switch the pipeline to OIDC, then delete the key and the secret.',
    subject: 'nhi',
    sources: 'GitHub and GitLab live scans (secret and variable names only)',
    thresholds: [],
    risk: exposure(0.4),
  },
] as const satisfies readonly AlertRule[];

export type AlertRuleId = (typeof alertRules)[number]['id'];

export const alertRuleIds = alertRules.map((rule) => rule.id) as AlertRuleId[];

const byId = new Map<string, AlertRule>(alertRules.map((rule) => [rule.id, rule]));

export function alertRuleOf(id: string): AlertRule | undefined {
  return byId.get(id);
}

/** The level of a risk score (ADR 0021); the same bounds are written in risk-scores.sql.ts. */
export function riskLevelOf(score: number): AlertSeverity {
  if (score >= 70) return 'critical';
  if (score >= 40) return 'high';
  if (score >= 20) return 'medium';
  return 'low';
}
