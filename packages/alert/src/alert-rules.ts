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
  /** Days, the only unit thresholds use. */
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
  /** What an alert of this rule is about: one per credential, per NHI, or per scanner subject. */
  subject: 'credential' | 'nhi' | 'fact';
  /** Where the data comes from: the inventory (manual, import, any source) or scanner facts. */
  sources: string;
  thresholds: RuleThreshold[];
}

const days = (key: string, label: string, defaultValue: number): RuleThreshold => ({
  key,
  label,
  defaultValue,
  min: 1,
  max: 3650,
});

const inventory = 'Inventory (manual, import and every source)';

export const alertRules = [
  {
    id: 'nhi1.unowned',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'NHI without an owner',
    explanation: 'Nobody is accountable for this identity: it will not be offboarded or rotated.',
    remediation: 'Assign an owner who answers for its use and lifecycle, or decommission it.',
    subject: 'nhi',
    sources: inventory,
    thresholds: [],
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
  },
  {
    id: 'nhi1.unused',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'Active credential unused for a long time',
    explanation: 'A credential nobody uses is pure exposure: it can only serve an attacker.',
    remediation: 'Confirm with the owner and revoke the credential; disable the identity if it is idle.',
    subject: 'credential',
    sources: `${inventory}; last use comes from the AWS credential report, GitHub and manual entry`,
    thresholds: [days('unusedDays', 'Unused for more than (days)', 90)],
  },
  {
    id: 'nhi1.never_used',
    owaspId: 'NHI1',
    severity: 'medium',
    title: 'Credential never used since creation',
    explanation: 'A credential created and never used after the grace period was likely forgotten.',
    remediation: 'Revoke the credential unless the owner confirms an upcoming use.',
    subject: 'credential',
    sources: `${inventory}; the AWS credential report also records it as a fact`,
    thresholds: [days('graceDays', 'Grace period for new credentials (days)', 14)],
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
  },
  {
    id: 'nhi4.legacy_token_secret',
    owaspId: 'NHI4',
    severity: 'medium',
    title: 'Legacy Kubernetes service-account token Secret',
    explanation: 'The token never expires and is readable by anyone who can read Secrets.',
    remediation: 'Delete the Secret and use projected, short-lived tokens (TokenRequest).',
    subject: 'nhi',
    sources: 'Kubernetes scans',
    thresholds: [],
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
  },
  {
    id: 'nhi5.admin',
    owaspId: 'NHI5',
    severity: 'critical',
    title: 'Administrator permissions',
    explanation: 'The identity may do everything: its compromise is a full compromise.',
    remediation: 'Replace the administrator policy with the actions and resources it uses.',
    subject: 'nhi',
    sources: 'AWS authorization-details scans',
    thresholds: [],
  },
  {
    id: 'nhi5.cluster_admin',
    owaspId: 'NHI5',
    severity: 'critical',
    title: 'ServiceAccount bound to cluster-admin',
    explanation: 'Any pod running as this ServiceAccount controls the whole cluster.',
    remediation: 'Bind a namespaced role with the verbs and resources it needs.',
    subject: 'nhi',
    sources: 'Kubernetes scans',
    thresholds: [],
  },
  {
    id: 'nhi5.privilege_escalation',
    owaspId: 'NHI5',
    severity: 'high',
    title: 'Privilege-escalation permissions',
    explanation:
      'The identity may grant itself or others more rights (PassRole, policy edits, bind, impersonate).',
    remediation: 'Remove the escalation actions or constrain them to named resources.',
    subject: 'nhi',
    sources: 'AWS authorization-details and Kubernetes scans',
    thresholds: [],
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
  },
  {
    id: 'nhi7.no_expiry',
    owaspId: 'NHI7',
    severity: 'low',
    title: 'Credential without expiry',
    explanation: 'Nothing forces this secret to ever be replaced.',
    remediation: 'Set an expiry, or prefer short-lived federated credentials.',
    subject: 'credential',
    sources: `${inventory}; GitHub tokens without expiry`,
    thresholds: [],
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
  },
] as const satisfies readonly AlertRule[];

export type AlertRuleId = (typeof alertRules)[number]['id'];

export const alertRuleIds = alertRules.map((rule) => rule.id) as AlertRuleId[];

const byId = new Map<string, AlertRule>(alertRules.map((rule) => [rule.id, rule]));

export function alertRuleOf(id: string): AlertRule | undefined {
  return byId.get(id);
}

/** Points an unresolved finding adds to its NHI's risk score; a rule counts once per NHI. */
export const severityPoints: Record<AlertSeverity, number> = {
  critical: 50,
  high: 25,
  medium: 10,
  low: 3,
};

export function riskLevelOf(score: number): AlertSeverity {
  if (score >= 70) return 'critical';
  if (score >= 40) return 'high';
  if (score >= 20) return 'medium';
  return 'low';
}
