import type { JsonDocument, JsonValue } from '@nhi/nhi';
import { type ConnectorOutput, emptyOutput, type IdentityFact, UnreadableInputError } from '../connector.ts';
import { accountOf, awsDate } from './aws-values.ts';
import {
  type EffectiveStatement,
  flagStatements,
  flagTrustPolicy,
  type PolicyFlag,
  statementsOf,
} from './iam-policy.ts';

interface AttachedPolicy {
  PolicyArn?: string;
  PolicyName?: string;
}
interface InlinePolicy {
  PolicyName?: string;
  PolicyDocument?: unknown;
}
interface Principal {
  Arn?: string;
  CreateDate?: string;
  Path?: string;
  Tags?: { Key: string; Value: string }[];
  AttachedManagedPolicies?: AttachedPolicy[];
}
interface UserDetail extends Principal {
  UserName?: string;
  GroupList?: string[];
  UserPolicyList?: InlinePolicy[];
}
interface GroupDetail extends Principal {
  GroupName?: string;
  GroupPolicyList?: InlinePolicy[];
}
interface RoleDetail extends Principal {
  RoleName?: string;
  AssumeRolePolicyDocument?: unknown;
  RolePolicyList?: InlinePolicy[];
  RoleLastUsed?: { LastUsedDate?: string; Region?: string };
  Description?: string;
}
interface ManagedPolicy {
  Arn?: string;
  DefaultVersionId?: string;
  PolicyVersionList?: { Document?: unknown; VersionId?: string; IsDefaultVersion?: boolean }[];
}
export interface AuthorizationDetails {
  UserDetailList?: UserDetail[];
  GroupDetailList?: GroupDetail[];
  RoleDetailList?: RoleDetail[];
  Policies?: ManagedPolicy[];
}

/** AWS managed policies the export does not list, but whose meaning is fixed. */
const knownManagedPolicies: Record<string, unknown> = {
  'arn:aws:iam::aws:policy/AdministratorAccess': {
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  },
};

/**
 * Users and roles of `aws iam get-account-authorization-details` as identities, with their effective
 * statements (their own, their groups', inline and managed) as permissions, and what those allow.
 */
export function readAuthorizationDetails(input: string | AuthorizationDetails): ConnectorOutput {
  const details = typeof input === 'string' ? parseDetails(input) : input;
  const output = emptyOutput();
  const policies = new Map<string, unknown>();
  for (const policy of details.Policies ?? []) {
    const version =
      policy.PolicyVersionList?.find((v) => v.IsDefaultVersion) ??
      policy.PolicyVersionList?.find((v) => v.VersionId === policy.DefaultVersionId);
    if (policy.Arn && version?.Document) policies.set(policy.Arn, version.Document);
  }
  const managed = (attached: AttachedPolicy[] | undefined, prefix: string) => {
    const statements: EffectiveStatement[] = [];
    const unknown: string[] = [];
    for (const policy of attached ?? []) {
      const arn = policy.PolicyArn ?? '';
      const document = policies.get(arn) ?? knownManagedPolicies[arn];
      if (document) statements.push(...statementsOf(document, `${prefix}managed ${arn}`));
      else unknown.push(arn);
    }
    return { statements, unknown };
  };
  const inline = (list: InlinePolicy[] | undefined, prefix: string) =>
    (list ?? []).flatMap((policy) =>
      statementsOf(policy.PolicyDocument, `${prefix}inline ${policy.PolicyName}`),
    );

  const groups = new Map<string, { statements: EffectiveStatement[]; unknown: string[] }>();
  (details.GroupDetailList ?? []).forEach((group, index) => {
    try {
      const prefix = `group ${group.GroupName}: `;
      const fromManaged = managed(group.AttachedManagedPolicies, prefix);
      groups.set(group.GroupName ?? '', {
        statements: [...inline(group.GroupPolicyList, prefix), ...fromManaged.statements],
        unknown: fromManaged.unknown,
      });
    } catch (error) {
      output.warnings.push({
        item: `GroupDetailList[${index}] (${group.GroupName})`,
        message: (error as Error).message,
      });
    }
  });

  (details.UserDetailList ?? []).forEach((user, index) => {
    const item = `UserDetailList[${index}] (${user.UserName ?? 'no name'})`;
    try {
      if (!user.Arn || !user.UserName) throw new Error('has no UserName or Arn');
      const own = managed(user.AttachedManagedPolicies, '');
      const statements = [...inline(user.UserPolicyList, ''), ...own.statements];
      const unknown = [...own.unknown];
      for (const name of user.GroupList ?? []) {
        const group = groups.get(name);
        if (!group) continue;
        statements.push(...group.statements);
        unknown.push(...group.unknown);
      }
      output.nhis.push({
        provider: 'aws',
        externalId: user.Arn,
        kind: 'service_account',
        keepExistingKind: true,
        name: user.UserName,
        providerCreatedAt: awsDate(user.CreateDate),
        permissions: statements.map(permissionOf) as JsonDocument,
        metadata: {
          awsAccountId: accountOf(user.Arn),
          authorization: {
            type: 'user',
            path: user.Path ?? '/',
            groups: user.GroupList ?? [],
            managedPoliciesWithoutDocument: unknown,
            tags: tagsOf(user.Tags),
          },
        },
        facts: factsOf(user.Arn, flagStatements(statements)),
      });
    } catch (error) {
      output.warnings.push({ item, message: (error as Error).message });
    }
  });

  (details.RoleDetailList ?? []).forEach((role, index) => {
    const item = `RoleDetailList[${index}] (${role.RoleName ?? 'no name'})`;
    try {
      if (!role.Arn || !role.RoleName) throw new Error('has no RoleName or Arn');
      const own = managed(role.AttachedManagedPolicies, '');
      const statements = [...inline(role.RolePolicyList, ''), ...own.statements];
      const flags = [
        ...flagStatements(statements),
        ...flagTrustPolicy(role.AssumeRolePolicyDocument, accountOf(role.Arn)),
      ];
      output.nhis.push({
        provider: 'aws',
        externalId: role.Arn,
        kind: 'workload_identity',
        name: role.RoleName,
        description: role.Description ?? null,
        providerCreatedAt: awsDate(role.CreateDate),
        lastUsedAt: awsDate(role.RoleLastUsed?.LastUsedDate),
        permissions: statements.map(permissionOf) as JsonDocument,
        metadata: {
          awsAccountId: accountOf(role.Arn),
          authorization: {
            type: 'role',
            path: role.Path ?? '/',
            trustPolicy: JSON.parse(JSON.stringify(role.AssumeRolePolicyDocument ?? null)) as JsonValue,
            lastUsedRegion: role.RoleLastUsed?.Region ?? null,
            managedPoliciesWithoutDocument: own.unknown,
            tags: tagsOf(role.Tags),
          },
        },
        facts: factsOf(role.Arn, flags),
      });
    } catch (error) {
      output.warnings.push({ item, message: (error as Error).message });
    }
  });
  return output;
}

function parseDetails(input: string): AuthorizationDetails {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (error) {
    throw new UnreadableInputError(`The authorization details are not JSON: ${(error as Error).message}`);
  }
  const details = parsed as AuthorizationDetails;
  if (!parsed || typeof parsed !== 'object' || (!details.UserDetailList && !details.RoleDetailList))
    throw new UnreadableInputError(
      'Not get-account-authorization-details output: expected UserDetailList or RoleDetailList',
    );
  return details;
}

function permissionOf(statement: EffectiveStatement): JsonValue {
  return JSON.parse(JSON.stringify(statement)) as JsonValue;
}

function tagsOf(tags: { Key: string; Value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));
}

function factsOf(arn: string, flags: PolicyFlag[]): IdentityFact[] {
  const facts = new Map<string, IdentityFact>();
  for (const flag of flags) {
    const subject = `${arn}|${flag.via}`;
    const key = `${flag.kind}\u0000${subject}`;
    const existing = facts.get(key);
    if (existing) (existing.evidence.more as unknown[]).push(flag.evidence);
    else facts.set(key, { kind: flag.kind, subject, evidence: { ...flag.evidence, more: [] } });
  }
  return [...facts.values()];
}
