import type { ScanFactKind } from '../../scan-facts.ts';

/** One Allow or Deny statement, normalised: lists everywhere, where it came from. */
export interface EffectiveStatement {
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  condition?: unknown;
  /** `inline UserPolicy`, `managed arn:...`, `group admin: managed arn:...`. */
  via: string;
}

/** Actions that let a principal give itself (or another) more than it has. */
export const privilegeEscalationActions = [
  'iam:PassRole',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:AttachUserPolicy',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:PutUserPolicy',
  'iam:PutGroupPolicy',
  'iam:PutRolePolicy',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:UpdateAssumeRolePolicy',
  'iam:AddUserToGroup',
  'lambda:UpdateFunctionCode',
  'sts:AssumeRole',
];

const readVerbs = /^(Get|List|Describe|Head|View|Search|Lookup|Query|Scan|Select|Batch(Get|Check))/;

const toList = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

/** A policy document as exported: an object, a JSON string, or URL-encoded JSON (the live API). */
export function policyDocument(value: unknown): { Statement?: unknown } {
  if (typeof value !== 'string') return (value ?? {}) as { Statement?: unknown };
  const text = value.trim().startsWith('%7B') ? decodeURIComponent(value) : value;
  return JSON.parse(text) as { Statement?: unknown };
}

export function statementsOf(document: unknown, via: string): EffectiveStatement[] {
  const raw = policyDocument(document).Statement;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((entry) => {
    const statement = entry as Record<string, unknown>;
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      throw new Error(`statement without Effect Allow or Deny in ${via}`);
    return {
      effect: statement.Effect,
      actions: toList(statement.Action),
      notActions: toList(statement.NotAction),
      resources: toList(statement.Resource),
      notResources: toList(statement.NotResource),
      condition: statement.Condition,
      via,
    };
  });
}

function globMatches(pattern: string, action: string): boolean {
  const expression = `^${pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')}$`;
  return new RegExp(expression, 'i').test(action);
}

const isEverything = (value: string) => value === '*' || value === '*:*';

export interface PolicyFlag {
  kind: ScanFactKind;
  via: string;
  evidence: Record<string, unknown>;
}

/** The observations the alert rules need from a principal's effective statements. */
export function flagStatements(statements: readonly EffectiveStatement[]) {
  const flags: PolicyFlag[] = [];
  for (const statement of statements) {
    if (statement.effect !== 'Allow') continue;
    const actions = statement.actions ?? [];
    const resources = statement.resources ?? [];
    const allResources = resources.some(isEverything);
    const evidence = { statement: { ...statement, via: undefined }, via: statement.via };
    if (statement.notActions) flags.push({ kind: 'aws.not_action', via: statement.via, evidence });
    if (actions.some(isEverything) && allResources) {
      flags.push({ kind: 'aws.admin_policy', via: statement.via, evidence });
      continue;
    }
    const wildcards = actions.filter((action) => isEverything(action) || /:\*$/.test(action));
    if (wildcards.length > 0)
      flags.push({
        kind: 'aws.wildcard_action',
        via: statement.via,
        evidence: { ...evidence, actions: wildcards },
      });
    if (allResources) {
      const writes = actions.filter((action) => !readVerbs.test(action.split(':')[1] ?? ''));
      if (writes.length > 0)
        flags.push({
          kind: 'aws.wildcard_resource',
          via: statement.via,
          evidence: { ...evidence, actions: writes },
        });
    }
    const escalations = privilegeEscalationActions.filter((target) =>
      actions.some((pattern) => globMatches(pattern, target)),
    );
    if (escalations.length > 0)
      flags.push({
        kind: 'aws.privilege_escalation',
        via: statement.via,
        evidence: { ...evidence, actions: escalations },
      });
  }
  return flags;
}

/** Observations about who may assume a role. */
export function flagTrustPolicy(document: unknown, roleAccount: string | null): PolicyFlag[] {
  const flags: PolicyFlag[] = [];
  for (const statement of statementsOfTrust(document)) {
    const principals = toList((statement.Principal as { AWS?: unknown } | undefined)?.AWS) ?? [];
    const anyone = statement.Principal === '*' || principals.includes('*');
    if (anyone) {
      flags.push({ kind: 'aws.trust_open_to_any', via: 'trust policy', evidence: { statement } });
      continue;
    }
    const conditions = JSON.stringify(statement.Condition ?? {}).toLowerCase();
    const external = principals.filter((principal) => {
      const account = /^\d{12}$/.test(principal) ? principal : /::(\d{12}):/.exec(principal)?.[1];
      return account !== undefined && account !== roleAccount;
    });
    if (external.length > 0 && !conditions.includes('sts:externalid'))
      flags.push({
        kind: 'aws.trust_external_without_external_id',
        via: 'trust policy',
        evidence: { statement, principals: external },
      });
  }
  return flags;
}

function statementsOfTrust(document: unknown): Record<string, unknown>[] {
  if (!document) return [];
  const raw = policyDocument(document).Statement;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return (list as Record<string, unknown>[]).filter((statement) => statement.Effect === 'Allow');
}
