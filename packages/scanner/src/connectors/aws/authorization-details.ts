import type { JsonDocument, JsonValue } from '@nhi/nhi';
import {
  type ConnectorOutput,
  type DiscoveredNhi,
  emptyOutput,
  type IdentityFact,
  type IdentityStream,
  UnreadableInputError,
  wholeOutput,
} from '../connector.ts';
import { type ActionCatalogue, actionCatalogue, actionResourceFormats } from './action-catalogue.ts';
import { accountOf, awsDate } from './aws-values.ts';
import { gitlabOidcHostsOf, oidcHostOf } from './ci-oidc-trust.ts';
import { escalationPaths } from './escalation-paths.ts';
import {
  administratorGrant,
  type ExportView,
  flagPrincipal,
  flagTrustPolicy,
  type GroupView,
  type PermissionFindings,
  type PolicyFlag,
  type PrincipalView,
  permissionFindings,
} from './iam-policy.ts';
import {
  type CompiledStatement,
  compileStatements,
  conditionKeysOf,
  type EffectiveStatement,
  PrincipalPermissions,
  type RequestContext,
  statementsOf,
} from './policy-evaluation.ts';

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
  PermissionsBoundary?: { PermissionsBoundaryArn?: string; PermissionsBoundaryType?: string };
  CreateDate?: string;
  Path?: string;
  Tags?: { Key: string; Value: string }[];
  AttachedManagedPolicies?: AttachedPolicy[];
}
interface UserDetail extends Principal {
  UserName?: string;
  UserId?: string;
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

/** Source settings the export does not carry. */
export interface AuthorizationOptions {
  /** Facts about service-linked roles (path /aws-service-role/): off, nobody can change them. */
  includeServiceLinkedRoles?: boolean;
  /** The organization's accounts: a role trusted by one of them is not trusted "externally". */
  organizationAccountIds?: readonly string[];
  /** The time conditions such as aws:CurrentTime are judged at. */
  now?: Date;
  /**
   * The service control policies over the account, one level per entry (the root, each OU down, the
   * account itself): every level must allow an action and a Deny at any level removes it. Not for
   * the management account, which SCPs never restrict.
   */
  serviceControlPolicies?: readonly ServiceControlLevel[];
  /** Self-managed GitLab hosts (besides gitlab.com) whose OIDC tokens roles may trust. */
  gitlabOidcHosts?: readonly string[];
  /**
   * Evaluates every principal on its own, even those holding the same policies as another: slower,
   * the same result; what the shared evaluation is checked against.
   */
  evaluateEachPrincipal?: boolean;
}

/** The SCPs attached to one target of the organization (`root r-ab12`, `ou ou-ab12-xyz`, `account 1111…`). */
export interface ServiceControlLevel {
  target: string;
  policies: readonly { name: string; document: unknown }[];
}

/** Reads the AWS options of a source's settings, ignoring what is not of the expected type. */
export function authorizationOptions(settings: Record<string, unknown>): AuthorizationOptions {
  const accounts = settings.organizationAccountIds;
  return {
    includeServiceLinkedRoles: settings.includeServiceLinkedRoles === true,
    organizationAccountIds: Array.isArray(accounts)
      ? accounts.map(String).filter((account) => /^\d{12}$/.test(account))
      : [],
    gitlabOidcHosts: gitlabOidcHostsOf(settings.gitlabOidcHosts),
  };
}

interface PrincipalEntry {
  item: string;
  detail: UserDetail | RoleDetail;
  type: 'user' | 'role';
  statements: CompiledStatement[];
  unknown: string[];
  boundary: { arn: string; known: boolean } | null;
  /** The SCPs that keep an otherwise-administrator principal from being one; null when none do. */
  limitedAdministrator: string[] | null;
  /** What its permissions alone show, shared with the principals evaluated alike. */
  findings: PermissionFindings;
  view: PrincipalView;
}

/**
 * Users and roles of `aws iam get-account-authorization-details` as identities, with their effective
 * statements (their own, their groups', inline and managed) as permissions, and what those allow once
 * Deny statements and permissions boundaries are applied.
 */
export const authorizationUnit = 'IAM users, roles, groups and policies';

/** The entries of an authorization export: its users, roles, groups and managed policies. */
export function authorizationEntries(details: AuthorizationDetails): number {
  return (
    (details.UserDetailList?.length ?? 0) +
    (details.RoleDetailList?.length ?? 0) +
    (details.GroupDetailList?.length ?? 0) +
    (details.Policies?.length ?? 0)
  );
}

export async function readAuthorizationDetails(
  input: string | AuthorizationDetails,
  options: AuthorizationOptions = {},
): Promise<ConnectorOutput> {
  return wholeOutput(await authorizationDetailsStream(input, options));
}

/**
 * The same, each principal made an identity as it is taken. What decides a principal's identity
 * across the export (its policies' evaluation, the view the escalation paths read) is done at once.
 */
export async function authorizationDetailsStream(
  input: string | AuthorizationDetails,
  options: AuthorizationOptions = {},
): Promise<IdentityStream> {
  const details = typeof input === 'string' ? parseDetails(input) : input;
  const catalogue = await actionCatalogue();
  const output = emptyOutput();
  const reader = exportReader(
    details,
    catalogue,
    options.now ?? new Date(),
    options.serviceControlPolicies ?? [],
    typeof input === 'string',
    !options.evaluateEachPrincipal,
  );
  const resourceFormats = await actionResourceFormats(escalationPaths.flatMap((path) => path.actions.flat()));
  const entries: PrincipalEntry[] = [];
  output.read = { count: authorizationEntries(details), unit: authorizationUnit };
  output.warnings.push(...reader.groupWarnings);
  (details.UserDetailList ?? []).forEach((user, index) => {
    const item = `UserDetailList[${index}] (${user.UserName ?? 'no name'})`;
    try {
      if (!user.Arn || !user.UserName) throw new Error('has no UserName or Arn');
      entries.push(reader.principal(item, user, 'user'));
    } catch (error) {
      output.warnings.push({ item, message: (error as Error).message });
    }
  });
  (details.RoleDetailList ?? []).forEach((role, index) => {
    const item = `RoleDetailList[${index}] (${role.RoleName ?? 'no name'})`;
    try {
      if (!role.Arn || !role.RoleName) throw new Error('has no RoleName or Arn');
      entries.push(reader.principal(item, role, 'role'));
    } catch (error) {
      output.warnings.push({ item, message: (error as Error).message });
    }
  });
  const view: ExportView = {
    users: entries.filter((entry) => entry.type === 'user').map((entry) => entry.view),
    roles: entries.filter((entry) => entry.type === 'role').map((entry) => entry.view),
    groups: reader.groupViews,
    resourceFormats,
  };
  const organizationAccounts = new Set(options.organizationAccountIds ?? []);
  const identities = function* (): Generator<DiscoveredNhi> {
    for (const entry of entries) {
      let identity: DiscoveredNhi;
      try {
        identity = identityOf(entry, view, { ...options, organizationAccounts });
      } catch (error) {
        output.warnings.push({ item: entry.item, message: (error as Error).message });
        continue;
      }
      yield identity;
    }
  };
  return { output, expected: entries.length, identities: identities() };
}

/**
 * Policies resolved and compiled once per export: a managed policy is shared by many principals, and
 * so is an inline policy of the same name and document. Principals holding the same statements under
 * the same guards are evaluated once (evaluationKey).
 */
function exportReader(
  details: AuthorizationDetails,
  catalogue: ActionCatalogue,
  now: Date,
  serviceControl: readonly ServiceControlLevel[],
  /**
   * The export was read from JSON text: a policy document's JSON is then all there is to it, and an
   * inline policy is compiled once per name and document.
   */
  fromText: boolean,
  /** Principals holding the same statements under the same guards are evaluated once (the default). */
  share: boolean,
) {
  const documents = new Map<string, unknown>();
  for (const policy of details.Policies ?? []) {
    const version =
      policy.PolicyVersionList?.find((v) => v.IsDefaultVersion) ??
      policy.PolicyVersionList?.find((v) => v.VersionId === policy.DefaultVersionId);
    if (policy.Arn && version?.Document) documents.set(policy.Arn, version.Document);
  }
  const compiled = new Map<string, CompiledStatement[]>();
  const compile = (via: string, read: () => EffectiveStatement[]) => {
    let statements = compiled.get(via);
    if (!statements) {
      statements = compileStatements(catalogue, read());
      compiled.set(via, statements);
    }
    return statements;
  };
  const documentOf = (arn: string) => documents.get(arn) ?? knownManagedPolicies[arn];
  const managed = (attached: AttachedPolicy[] | undefined, prefix: string) => {
    const statements: CompiledStatement[] = [];
    const unknown: string[] = [];
    for (const policy of attached ?? []) {
      const arn = policy.PolicyArn ?? '';
      const document = documentOf(arn);
      const via = `${prefix}managed ${arn}`;
      if (document) statements.push(...compile(via, () => statementsOf(document, via)));
      else unknown.push(arn);
    }
    return { statements, unknown };
  };
  const inline = (list: InlinePolicy[] | undefined, prefix: string) =>
    (list ?? []).flatMap((policy) => {
      const via = `${prefix}inline ${policy.PolicyName}`;
      const document = policy.PolicyDocument;
      const text = !share
        ? undefined
        : typeof document === 'string'
          ? `text ${document}`
          : fromText
            ? `json ${JSON.stringify(document)}`
            : undefined;
      const read = () => statementsOf(document, via);
      return text === undefined ? compileStatements(catalogue, read()) : compile(`${via}\u0000${text}`, read);
    });

  const scpGuards = serviceControl.map((level) => ({
    name: `service control policies of ${level.target}`,
    statements: level.policies.flatMap((policy) => {
      const via = `scp ${policy.name} (${level.target})`;
      return compile(via, () => statementsOf(policy.document, via));
    }),
  }));
  const limitingScps = serviceControl.flatMap((level) => {
    const allowsAll = level.policies.some((policy) =>
      statementsOf(policy.document, '').some(
        (statement) => statement.effect === 'Allow' && (statement.actions ?? []).includes('*'),
      ),
    );
    return level.policies
      .filter(
        (policy) =>
          !allowsAll || statementsOf(policy.document, '').some((statement) => statement.effect === 'Deny'),
      )
      .map((policy) => `${policy.name} (${level.target})`);
  });

  const groups = new Map<string, { statements: CompiledStatement[]; unknown: string[]; arn?: string }>();
  const groupViews: GroupView[] = [];
  const groupWarnings: { item: string; message: string }[] = [];
  (details.GroupDetailList ?? []).forEach((group, index) => {
    try {
      const prefix = `group ${group.GroupName}: `;
      const fromManaged = managed(group.AttachedManagedPolicies, prefix);
      const statements = [...inline(group.GroupPolicyList, prefix), ...fromManaged.statements];
      groups.set(group.GroupName ?? '', { statements, unknown: fromManaged.unknown, arn: group.Arn });
      if (group.Arn && group.GroupName)
        groupViews.push({
          arn: group.Arn,
          name: group.GroupName,
          // What membership gives: the group's policies alone (a member's boundary still applies).
          permissions: new PrincipalPermissions(catalogue, statements, [], {}, now),
          unknown: fromManaged.unknown,
        });
    } catch (error) {
      groupWarnings.push({
        item: `GroupDetailList[${index}] (${group.GroupName})`,
        message: (error as Error).message,
      });
    }
  });

  const evaluations = new Map<
    string,
    { permissions: PrincipalPermissions; findings: PermissionFindings; limitedAdministrator: string[] | null }
  >();
  const statementIds = new Map<CompiledStatement, number>();
  const conditionKeys = new Map<CompiledStatement, string[]>();
  /**
   * What an evaluation reads of a principal: its statements (compiled once, so each has an id) in
   * order, its guards, and the values its context gives the condition keys these statements name.
   * Policy variables (`${aws:username}`) are not in it: only the resource a question names reads
   * them, and each principal keeps its own.
   */
  const evaluationKey = (
    identity: readonly CompiledStatement[],
    guards: readonly { name: string; statements: readonly CompiledStatement[] }[],
    context: RequestContext,
  ) => {
    const keys = new Set<string>();
    const idsOf = (statements: readonly CompiledStatement[]) => {
      let ids = '';
      for (const statement of statements) {
        let id = statementIds.get(statement);
        if (id === undefined) {
          id = statementIds.size;
          statementIds.set(statement, id);
          conditionKeys.set(statement, conditionKeysOf(statement));
        }
        for (const key of conditionKeys.get(statement) as string[]) keys.add(key);
        ids += `${id},`;
      }
      return ids;
    };
    let key = idsOf(identity);
    for (const guard of guards) key += `|${guard.name}:${idsOf(guard.statements)}`;
    for (const name of keys)
      key += `|${name}=${Object.hasOwn(context, name) ? JSON.stringify(context[name]) : '-'}`;
    return key;
  };

  const principal = (
    item: string,
    detail: UserDetail | RoleDetail,
    type: 'user' | 'role',
  ): PrincipalEntry => {
    const own = managed(detail.AttachedManagedPolicies, '');
    const inlineList =
      type === 'user' ? (detail as UserDetail).UserPolicyList : (detail as RoleDetail).RolePolicyList;
    const identity = [...inline(inlineList, ''), ...own.statements];
    const unknown = [...own.unknown];
    const arn = detail.Arn as string;
    const groupArns: string[] = [];
    for (const name of type === 'user' ? ((detail as UserDetail).GroupList ?? []) : []) {
      const group = groups.get(name);
      // A group missing from the export: its ARN on the default path "/".
      groupArns.push(group?.arn ?? `${arn.slice(0, arn.indexOf(':user/'))}:group/${name}`);
      if (!group) continue;
      identity.push(...group.statements);
      unknown.push(...group.unknown);
    }
    const boundaryArn = detail.PermissionsBoundary?.PermissionsBoundaryArn;
    const boundaryDocument = boundaryArn ? documentOf(boundaryArn) : undefined;
    // A boundary whose document the export lacks limits nothing the scan can see: judged without it.
    const boundaryGuards =
      boundaryArn && boundaryDocument
        ? [
            {
              name: 'permissions boundary',
              statements: compile(`boundary ${boundaryArn}`, () =>
                statementsOf(boundaryDocument, `boundary ${boundaryArn}`),
              ),
            },
          ]
        : [];
    const name = type === 'user' ? (detail as UserDetail).UserName : (detail as RoleDetail).RoleName;
    const context = principalContext(detail, type, name as string);
    const variables = Object.fromEntries(
      Object.entries(context).flatMap(([key, values]) => (values.length === 1 ? [[key, values[0]]] : [])),
    ) as Record<string, string>;
    const serviceLinked = type === 'role' && isServiceLinked(detail as RoleDetail);
    // SCPs never restrict service-linked roles (AWS Organizations User Guide, "SCP effects on permissions").
    const scps = serviceLinked ? [] : scpGuards;
    const guards = [...boundaryGuards, ...scps];
    const key = share ? evaluationKey(identity, guards, context) : undefined;
    let evaluation = key === undefined ? undefined : evaluations.get(key);
    if (!evaluation) {
      const permissions = new PrincipalPermissions(catalogue, identity, guards, variables, now, context);
      const findings = permissionFindings(permissions);
      // What the SCPs took away is said only when they are what stands between the principal and admin.
      const limitedAdministrator =
        scps.length > 0 &&
        findings.admin === null &&
        administratorGrant(
          new PrincipalPermissions(catalogue, identity, boundaryGuards, variables, now, context),
        ) !== null
          ? limitingScps
          : null;
      evaluation = { permissions, findings, limitedAdministrator };
      if (key !== undefined) evaluations.set(key, evaluation);
    }
    const permissions = evaluation.permissions.forPrincipal(variables, context);
    const { findings, limitedAdministrator } = evaluation;
    return {
      item,
      detail,
      type,
      statements: identity,
      unknown,
      boundary: boundaryArn ? { arn: boundaryArn, known: boundaryDocument !== undefined } : null,
      limitedAdministrator,
      findings,
      view: {
        arn,
        type,
        account: accountOf(arn),
        permissions,
        trustPolicy: type === 'role' ? (detail as RoleDetail).AssumeRolePolicyDocument : undefined,
        ...(type === 'user' ? { groups: groupArns } : {}),
        serviceLinked,
      },
    };
  };
  return { principal, groupWarnings, groupViews };
}

/**
 * The global condition keys the export tells for the principal's own requests (IAM User Guide, "AWS
 * global condition context keys"). A user's requests carry aws:username and aws:userid (its UserId);
 * a role's session carries aws:PrincipalArn as the role's ARN (not the session's) and no aws:username;
 * its aws:userid is `RoleId:session name`, the session part unknown, so left unknown.
 * aws:PrincipalType is `User` or `AssumedRole`.
 */
function principalContext(
  detail: UserDetail | RoleDetail,
  type: 'user' | 'role',
  name: string,
): Record<string, string[]> {
  const arn = detail.Arn as string;
  const account = accountOf(arn);
  const context: Record<string, string[]> = {
    'aws:principalarn': [arn],
    'aws:principaltype': [type === 'user' ? 'User' : 'AssumedRole'],
    ...(account ? { 'aws:principalaccount': [account] } : {}),
  };
  if (type === 'user') {
    context['aws:username'] = [name];
    const id = (detail as UserDetail).UserId;
    if (id) context['aws:userid'] = [id];
  } else context['aws:username'] = [];
  return context;
}

const isServiceLinked = (role: RoleDetail) =>
  (role.Path ?? '').startsWith('/aws-service-role/') || /:role\/aws-service-role\//.test(role.Arn ?? '');

function identityOf(
  entry: PrincipalEntry,
  view: ExportView,
  options: AuthorizationOptions & { organizationAccounts: ReadonlySet<string> },
): DiscoveredNhi {
  const { detail, type } = entry;
  const arn = entry.view.arn;
  const { flags, notes } = flagPrincipal(entry.view, view, entry.findings);
  const authorization: Record<string, unknown> = {
    type,
    path: detail.Path ?? '/',
    managedPoliciesWithoutDocument: entry.unknown,
    tags: tagsOf(detail.Tags),
    ...(entry.boundary ? { permissionsBoundary: entry.boundary } : {}),
    ...(entry.limitedAdministrator ? { administratorLimitedByScps: entry.limitedAdministrator } : {}),
    ...notes,
  };
  if (type === 'user') {
    authorization.groups = (detail as UserDetail).GroupList ?? [];
    return {
      provider: 'aws',
      externalId: arn,
      kind: 'service_account',
      keepExistingKind: true,
      name: (detail as UserDetail).UserName as string,
      providerCreatedAt: awsDate(detail.CreateDate),
      permissions: entry.statements.map(permissionOf) as JsonDocument,
      metadata: { awsAccountId: accountOf(arn), authorization: authorization as JsonValue },
      facts: factsOf(arn, flags),
    };
  }
  const role = detail as RoleDetail;
  const trust = flagTrustPolicy(role.AssumeRolePolicyDocument, {
    roleAccount: accountOf(arn),
    organizationAccounts: options.organizationAccounts,
    gitlabOidcHosts: (options.gitlabOidcHosts ?? []).map(oidcHostOf),
  });
  const serviceLinked = entry.view.serviceLinked;
  // Nobody but AWS changes a service-linked role: its facts would be alerts no one can act on.
  const reported = serviceLinked && !options.includeServiceLinkedRoles ? [] : [...flags, ...trust.flags];
  return {
    provider: 'aws',
    externalId: arn,
    kind: 'workload_identity',
    name: role.RoleName as string,
    description: role.Description ?? null,
    providerCreatedAt: awsDate(role.CreateDate),
    lastUsedAt: awsDate(role.RoleLastUsed?.LastUsedDate),
    permissions: entry.statements.map(permissionOf) as JsonDocument,
    metadata: {
      awsAccountId: accountOf(arn),
      authorization: {
        ...authorization,
        trustPolicy: JSON.parse(JSON.stringify(role.AssumeRolePolicyDocument ?? null)) as JsonValue,
        lastUsedRegion: role.RoleLastUsed?.Region ?? null,
        serviceLinked,
        sameOrganizationTrust: trust.sameOrganization,
      } as JsonValue,
    },
    facts: factsOf(arn, reported),
  };
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

const permissionDocuments = new WeakMap<CompiledStatement, JsonValue>();

/** A statement as the permissions document lists it: once per statement, whoever holds it. */
function permissionOf(statement: CompiledStatement): JsonValue {
  let document = permissionDocuments.get(statement);
  if (document === undefined) {
    const { actionBits: _, broad: __, ...plain } = statement;
    document = JSON.parse(JSON.stringify(plain)) as JsonValue;
    permissionDocuments.set(statement, document);
  }
  return document;
}

function tagsOf(tags: { Key: string; Value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));
}

function factsOf(arn: string, flags: PolicyFlag[]): IdentityFact[] {
  const facts = new Map<string, IdentityFact>();
  for (const flag of flags) {
    const subject = `${arn}|${flag.subject}`;
    const key = `${flag.kind}\u0000${subject}`;
    const existing = facts.get(key);
    // Two statements of one policy saying the same thing are one observation, the second kept as more.
    if (existing) existing.evidence.more = [...((existing.evidence.more as unknown[]) ?? []), flag.evidence];
    else facts.set(key, { kind: flag.kind, subject, evidence: { ...flag.evidence } });
  }
  return [...facts.values()];
}
