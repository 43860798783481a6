import type { ScanFactKind } from '../../api/scan-facts.ts';
import {
  type ActionCatalogue,
  type Bitset,
  bitsetOf,
  bitsOf,
  countBits,
  globExpression,
  hasBit,
  isEmpty,
} from './action-catalogue.ts';
import { flagCiOidcTrust } from './ci-oidc-trust.ts';
import { type EscalationPath, escalationPaths } from './escalation-paths.ts';
import {
  type CompiledStatement,
  type Grant,
  type PrincipalPermissions,
  policyDocument,
} from './policy-evaluation.ts';

export { type EffectiveStatement, policyDocument, statementsOf } from './policy-evaluation.ts';

/** An observation about a principal; `subject` is appended to its ARN to name the fact. */
export interface PolicyFlag {
  kind: ScanFactKind;
  subject: string;
  evidence: Record<string, unknown>;
}

/** A user or role of the export, with its effective permissions. */
export interface PrincipalView {
  arn: string;
  type: 'user' | 'role';
  account: string | null;
  permissions: PrincipalPermissions;
  /** Roles: the trust policy document. */
  trustPolicy?: unknown;
  /** Users: the ARNs of their groups. */
  groups?: readonly string[];
  serviceLinked: boolean;
}

/** An IAM group of the export: what joining it gives (its own policies). */
export interface GroupView {
  arn: string;
  name: string;
  permissions: PrincipalPermissions;
  /** Managed policies attached to it whose document the export lacks. */
  unknown: readonly string[];
}

/** What paths need to know of the rest of the export: the roles one may pass or assume, the users. */
export interface ExportView {
  roles: readonly PrincipalView[];
  users: readonly PrincipalView[];
  groups?: readonly GroupView[];
  /** ARN formats of the resource types of the paths' actions (iam-data), by lower-case action. */
  resourceFormats?: ReadonlyMap<string, readonly string[]>;
}

/** Services with gaps an administrator may have (e.g. NotAction on a couple of services). */
const adminServiceGaps = 3;
const exampleLimit = 5;
/** Names no real role or user has: allowed on them means allowed on any name. */
const anyRoleName = 'nhi-hub-probe-any-role';
const anyUserName = 'nhi-hub-probe-any-user';

/**
 * What the observations owe to the permissions alone, whoever holds them: principals with the same
 * statements, guards and condition context share them (flagPrincipal adds what is the principal's own).
 */
export interface PermissionFindings {
  admin: AdminGrant | null;
  /** The admin fact and the per-statement facts, as flagPrincipal lists them first. */
  flags: readonly PolicyFlag[];
  /** The escalation paths whose every requirement is allowed somewhere: the only ones to judge. */
  possiblePaths: readonly EscalationPath[];
}

export function permissionFindings(permissions: PrincipalPermissions): PermissionFindings {
  const admin = administratorGrant(permissions);
  const flags: PolicyFlag[] = admin
    ? [
        {
          kind: 'aws.admin_policy',
          subject: admin.via[0] as string,
          evidence: {
            // via names one policy, as for every AWS fact; allVia lists each policy granting it.
            via: admin.via[0],
            allVia: admin.via,
            statement: admin.statement,
          },
        },
      ]
    : [];
  flags.push(...statementFlags(permissions, admin?.statements ?? new Set()));
  const possiblePaths = admin
    ? []
    : escalationPaths.filter((path) => mayHoldEveryRequirement(permissions, path));
  return { admin, flags, possiblePaths };
}

/** The observations the alert rules need from a principal's effective permissions. */
export function flagPrincipal(
  principal: PrincipalView,
  view: ExportView,
  findings: PermissionFindings = permissionFindings(principal.permissions),
): { flags: PolicyFlag[]; notes: Record<string, unknown> } {
  const notes: Record<string, unknown> = {};
  const flags = [...findings.flags];
  if (!findings.admin) flags.push(...escalationFlags(principal, view, notes, findings.possiblePaths));
  return { flags, notes };
}

interface AdminGrant {
  via: string[];
  statement: unknown;
  statements: Set<CompiledStatement>;
}

/**
 * Effective `*:*`: every IAM permission-management action and every service's actions bar a few are
 * allowed on any resource after the Deny statements, whether through `*` or `Allow NotAction`.
 */
export function administratorGrant(permissions: PrincipalPermissions): AdminGrant | null {
  const catalogue = permissions.catalogue;
  const everywhere = permissions.everywhere;
  for (const index of bitsOf(iamPermissionsManagement(catalogue)))
    if (!hasBit(everywhere, index)) return null;
  const gaps = new Set<number>();
  const all = catalogue.match('*');
  for (let word = 0; word < all.length; word++) {
    let missing = (all[word] as number) & ~(everywhere[word] as number);
    while (missing !== 0) {
      const low = missing & -missing;
      gaps.add(catalogue.serviceOf[word * 32 + 31 - Math.clz32(low)] as number);
      if (gaps.size > adminServiceGaps) return null;
      missing ^= low;
    }
  }
  const granting = permissions.identity.filter(
    (statement) =>
      statement.effect === 'Allow' &&
      statement.broad &&
      (statement.notActions !== undefined || (statement.actions ?? []).some((a) => a === '*' || a === '*:*')),
  );
  // Admin through a list of whole services rather than "*": the statements granting IAM management.
  if (granting.length === 0)
    granting.push(
      ...permissions.identity.filter(
        (statement) =>
          statement.effect === 'Allow' &&
          statement.broad &&
          statement.actionBits.some(
            (word, i) => (word & (iamPermissionsManagement(catalogue)[i] as number)) !== 0,
          ),
      ),
    );
  const via = [...new Set(granting.map((statement) => statement.via))].sort();
  const { via: _, actionBits: __, broad: ___, ...statement } = granting[0] as CompiledStatement;
  return { via, statement, statements: new Set(granting) };
}

const iamPmCache = new WeakMap<ActionCatalogue, Bitset>();
function iamPermissionsManagement(catalogue: ActionCatalogue): Bitset {
  let bits = iamPmCache.get(catalogue);
  if (!bits) {
    bits = catalogue.match('iam:*').map((word, i) => word & (catalogue.permissionsManagement[i] as number));
    iamPmCache.set(catalogue, bits);
  }
  return bits;
}

/** Wildcards, NotAction and write on "*": judged per statement, on what survives Deny and guards. */
function statementFlags(
  permissions: PrincipalPermissions,
  adminStatements: Set<CompiledStatement>,
): PolicyFlag[] {
  const { catalogue } = permissions;
  const flags: PolicyFlag[] = [];
  for (const statement of permissions.identity) {
    if (statement.effect !== 'Allow' || adminStatements.has(statement)) continue;
    const effective = commonActions(statement.actionBits, permissions.anywhere);
    if (isEmpty(effective)) continue;
    const { via: _, actionBits: __, broad: ___, ...plain } = statement;
    const evidence = { statement: plain, via: statement.via };
    if (statement.notActions) flags.push({ kind: 'aws.not_action', subject: statement.via, evidence });
    const wildcards = (statement.actions ?? []).filter((action) => action === '*' || /:\*$/.test(action));
    if (wildcards.length > 0)
      flags.push({
        kind: 'aws.wildcard_action',
        subject: statement.via,
        evidence: { ...evidence, actions: wildcards },
      });
    if (!statement.broad) continue;
    // Write actions that could name a resource but are given on all of them; Read and List never count.
    const writes = commonActions(
      effective,
      catalogue.writes,
      catalogue.resourceScoped,
      permissions.everywhere,
    );
    if (isEmpty(writes)) continue;
    const patterns = (statement.actions ?? statement.notActions ?? []).filter((pattern) =>
      statement.actions
        ? catalogue.match(pattern).some((word, i) => (word & (writes[i] as number)) !== 0)
        : true,
    );
    flags.push({
      kind: 'aws.wildcard_resource',
      subject: statement.via,
      evidence: { ...evidence, actions: patterns, writeActions: countBits(writes) },
    });
  }
  return flags;
}

/** The actions in every one of the sets (plain loops: this runs for each statement of each principal). */
function commonActions(first: Bitset, ...others: Bitset[]): Bitset {
  const result = bitsetOf(first.length * 32);
  for (let i = 0; i < first.length; i++) {
    let word = first[i] as number;
    for (const other of others) word &= other[i] as number;
    result[i] = word;
  }
  return result;
}

function escalationFlags(
  principal: PrincipalView,
  view: ExportView,
  notes: Record<string, unknown>,
  paths: readonly EscalationPath[],
): PolicyFlag[] {
  const flags: PolicyFlag[] = [];
  for (const path of paths) {
    const found = pathGrants(principal, view, path, notes);
    if (!found) continue;
    flags.push({
      kind: 'aws.privilege_escalation',
      subject: path.id,
      evidence: {
        path: path.id,
        name: path.name,
        // The published catalogues' names, so a finding can be related to iam-vulnerable and Rhino.
        ...(path.aliases.length > 0 ? { aliases: path.aliases } : {}),
        actions: Object.fromEntries(
          Object.entries(found.actions).map(([action, grant]) => [action, grant.via]),
        ),
        ...(Object.keys(found.targets).length > 0 ? { targets: found.targets } : {}),
        ...(found.chains.length > 0 ? { chains: found.chains } : {}),
        ...(found.runsAs ? { runsAs: found.runsAs } : {}),
        explanation: path.explanation,
        reference: path.reference,
      },
    });
  }
  return flags;
}

interface TargetedGrant extends Grant {
  targets?: string[];
  /** sts:AssumeRole: the roles assumed on the way to each target, the target last. */
  chains?: string[][];
}

function pathGrants(
  principal: PrincipalView,
  view: ExportView,
  path: EscalationPath,
  notes: Record<string, unknown>,
) {
  const actions: Record<string, TargetedGrant> = {};
  const targets: Record<string, string[]> = {};
  const chains: string[][] = [];
  for (const requirement of path.actions) {
    const options = Array.isArray(requirement) ? requirement : [requirement];
    let granted = false;
    for (const action of options) {
      const grant = actionGrant(principal, view, path, action, notes);
      if (!grant) continue;
      actions[action] = grant;
      if (grant.targets && grant.targets.length > 0) targets[action] = grant.targets;
      chains.push(...(grant.chains ?? []).filter((chain) => chain.length > 1));
      granted = true;
      break;
    }
    if (!granted) return null;
  }
  let runsAs: Record<string, unknown> | undefined;
  if (path.runsAs) {
    const roles = strongerServiceRoles(principal, view, path.runsAs.services);
    if (roles.length === 0) return null;
    runsAs = {
      note: `${path.runsAs.resources} are not in the export: these roles of the account trust ${path.runsAs.services.join(' or ')} and may do more than the principal`,
      roles,
    };
  }
  return { actions, targets, chains, runsAs };
}

/**
 * Roles of the export trusting one of the services that may do more than the principal (up to a few):
 * what an existing function, endpoint or instance of the account could be running as.
 */
function strongerServiceRoles(principal: PrincipalView, view: ExportView, services: string[]): string[] {
  const found = new Set<string>();
  for (const service of services)
    for (const role of rolesTrusting(view, service)) {
      if (found.size >= exampleLimit) break;
      if (role.serviceLinked || role.arn === principal.arn) continue;
      if (morePrivileged(role.permissions, principal.permissions)) found.add(role.arn);
    }
  return [...found];
}

/**
 * Whether each of a path's requirements has an action the principal is allowed somewhere at all: a
 * bit test per action, so the many paths a principal holds nothing of cost nothing more. Actions the
 * catalogue does not know are left to the full check.
 */
function mayHoldEveryRequirement(permissions: PrincipalPermissions, path: EscalationPath): boolean {
  const anywhere = permissions.anywhere;
  for (const options of requirementIndexes(permissions.catalogue, path)) {
    let possible = false;
    for (const index of options)
      if (index < 0 || hasBit(anywhere, index)) {
        possible = true;
        break;
      }
    if (!possible) return false;
  }
  return true;
}

const requirementsCache = new WeakMap<ActionCatalogue, Map<EscalationPath, number[][]>>();

/** A path's requirements as catalogue indexes (-1 for an action the catalogue does not know), once. */
function requirementIndexes(catalogue: ActionCatalogue, path: EscalationPath): number[][] {
  let byPath = requirementsCache.get(catalogue);
  if (!byPath) {
    byPath = new Map();
    requirementsCache.set(catalogue, byPath);
  }
  let requirements = byPath.get(path);
  if (!requirements) {
    requirements = path.actions.map((requirement) =>
      (Array.isArray(requirement) ? requirement : [requirement]).map(
        (action) => catalogue.indexOf(action) ?? -1,
      ),
    );
    byPath.set(path, requirements);
  }
  return requirements;
}

function actionGrant(
  principal: PrincipalView,
  view: ExportView,
  path: EscalationPath,
  action: string,
  notes: Record<string, unknown>,
): TargetedGrant | null {
  if (action === 'iam:PassRole' && path.service) return passRoleGrant(principal, view, path.service, notes);
  if (path.target === 'otherUser') return otherUserGrant(principal, view, action);
  if (path.target === 'assumableRole') return assumableRoleGrant(principal, view);
  if (path.target === 'actedUser') return actedUserGrant(principal, view, action);
  if (path.target === 'actedUserGroup') return actedUserGroupGrant(principal, view, action);
  if (path.target === 'strongerGroup') return strongerGroupGrant(principal, view, action);
  const grant = principal.permissions.allowedSomewhere(action, {}, resourceScopes(principal, view, action));
  if (grant && path.target === 'commandDocument' && !grant.resources.some(runsAnyCommand)) return null;
  return grant;
}

/**
 * The ARNs an action can act on, as globs: its resource types' ARN formats (iam-data) with the
 * principal's partition, `*` for names and regions, and for IAM the principal's own account — IAM
 * users, groups, roles and policies have no resource-based policy, so only identities of their account
 * can change them, and AWS managed policies (`arn:aws:iam::aws:policy/...`) cannot be changed at all.
 * Other services' resources may be in any account (12 digits). Undefined when AWS documents no
 * resource type (the action is granted on "*").
 */
function resourceScopes(principal: PrincipalView, view: ExportView, action: string): string[] | undefined {
  const formats = view.resourceFormats?.get(action.toLowerCase());
  if (!formats || formats.length === 0) return undefined;
  const partition = /^arn:([\w-]+):/.exec(principal.arn)?.[1] ?? 'aws';
  const ownAccount = action.toLowerCase().startsWith('iam:') && principal.account;
  const account = ownAccount ? (principal.account as string) : '????????????';
  return formats.map((format) =>
    format
      .replace(/\$\{Partition\}/g, partition)
      .replace(/\$\{Account\}/g, account)
      .replace(/\$\{[^}]*\}/g, '*'),
  );
}

const credentialActions = ['iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile'];

interface ActedUser {
  arn: string;
  groups: readonly string[];
  /** How the principal gets its credentials; absent for the principal itself. */
  through?: string;
}

const actedCache = new WeakMap<PrincipalView, ActedUser[]>();

/**
 * The IAM users whose permissions the principal can use: itself when it is a user, and users whose
 * access key or console password it may create or reset. A role is no user; without such a user, a
 * policy put on a user or a group gives it nothing.
 */
function actedUsers(principal: PrincipalView, view: ExportView): ActedUser[] {
  let acted = actedCache.get(principal);
  if (acted) return acted;
  acted = principal.type === 'user' ? [{ arn: principal.arn, groups: principal.groups ?? [] }] : [];
  const seen = new Set(acted.map((user) => user.arn));
  for (const action of credentialActions) {
    if (!principal.permissions.allowedSomewhere(action)) continue;
    for (const user of named(principal, view.users, action)) {
      if (seen.has(user.arn) || !principal.permissions.allowedOn(action, user.arn)) continue;
      seen.add(user.arn);
      acted.push({ arn: user.arn, groups: user.groups ?? [], through: action });
    }
  }
  actedCache.set(principal, acted);
  return acted;
}

const actedEvidence = (user: ActedUser) => (user.through ? `${user.arn} (via ${user.through})` : user.arn);

/** AttachUserPolicy, PutUserPolicy: on itself as a user, or on a user whose credentials it can get. */
function actedUserGrant(principal: PrincipalView, view: ExportView, action: string): TargetedGrant | null {
  if (!principal.permissions.allowedSomewhere(action)) return null;
  for (const user of actedUsers(principal, view)) {
    const grant = principal.permissions.allowedOn(action, user.arn);
    if (grant) return { ...grant, targets: [actedEvidence(user)] };
  }
  return null;
}

/**
 * AttachGroupPolicy, PutGroupPolicy: on a group such a user is in, or that it may add such a user to
 * (AddUserToGroup names the group as its resource).
 */
function actedUserGroupGrant(
  principal: PrincipalView,
  view: ExportView,
  action: string,
): TargetedGrant | null {
  const { permissions } = principal;
  if (!permissions.allowedSomewhere(action)) return null;
  const users = actedUsers(principal, view);
  if (users.length === 0) return null;
  for (const user of users)
    for (const group of user.groups) {
      const grant = permissions.allowedOn(action, group);
      if (grant) return { ...grant, targets: [`${group} (member ${actedEvidence(user)})`] };
    }
  for (const group of view.groups ?? []) {
    const grant = permissions.allowedOn(action, group.arn);
    if (grant && permissions.allowedOn('iam:AddUserToGroup', group.arn))
      return {
        ...grant,
        targets: [`${group.arn} (may add ${actedEvidence(users[0] as ActedUser)} with iam:AddUserToGroup)`],
      };
  }
  return null;
}

/** AddUserToGroup: such a user joins a group of the export it is not in whose policies may do more. */
function strongerGroupGrant(
  principal: PrincipalView,
  view: ExportView,
  action: string,
): TargetedGrant | null {
  const { permissions } = principal;
  if (!permissions.allowedSomewhere(action)) return null;
  const users = actedUsers(principal, view);
  for (const group of view.groups ?? []) {
    const joinable = users.find((user) => !user.groups.includes(group.arn));
    if (!joinable || !morePrivileged(group.permissions, permissions)) continue;
    const grant = permissions.allowedOn(action, group.arn);
    if (grant) return { ...grant, targets: [`${group.arn} (for ${actedEvidence(joinable)})`] };
  }
  return null;
}

/**
 * PassRole escalates when the principal may pass any role, or a role of the export that trusts the
 * service and may do more than the principal. Roles named outside the export are not judged: noted.
 */
function passRoleGrant(
  principal: PrincipalView,
  view: ExportView,
  service: string,
  notes: Record<string, unknown>,
): TargetedGrant | null {
  const { permissions } = principal;
  const context = { 'iam:passedtoservice': [service] };
  const anyRole = `arn:aws:iam::${principal.account ?? '000000000000'}:role/${anyRoleName}`;
  const open = permissions.allowedOn('iam:PassRole', anyRole, context);
  const passable = (role: PrincipalView) =>
    !role.serviceLinked &&
    role.arn !== principal.arn &&
    permissions.allowedOn('iam:PassRole', role.arn, context) !== null;
  const trusting = rolesTrusting(view, service);
  const nameable = named(principal, view.roles, 'iam:PassRole');
  // Walk the shorter of the two lists: usually few roles trust a service, or PassRole names few.
  const candidates = intersection(trusting, nameable);
  const stronger: string[] = [];
  for (const role of candidates) {
    if (!passable(role) || !morePrivileged(role.permissions, permissions)) continue;
    stronger.push(role.arn);
    if (stronger.length >= exampleLimit) break;
  }
  if (open) return { ...open, targets: stronger };
  if (stronger.length > 0)
    return {
      ...(permissions.allowedOn('iam:PassRole', stronger[0] as string, context) as Grant),
      targets: stronger,
    };
  const scoped = permissions.allowedSomewhere('iam:PassRole', context);
  if (scoped && !notes.passRoleWithoutEscalation) {
    const known = new Set(view.roles.map((role) => role.arn));
    notes.passRoleWithoutEscalation = {
      resources: scoped.resources,
      outsideExport: scoped.resources.filter((resource) => !known.has(resource)),
    };
  }
  return null;
}

/** The members of both, walking the shorter. */
function intersection<T>(set: ReadonlySet<T>, list: readonly T[]): T[] {
  if (set.size >= list.length) return list.filter((entry) => set.has(entry));
  const members = new Set(list);
  return [...set].filter((entry) => members.has(entry));
}

const namedCache = new WeakMap<PrincipalView, Map<string, PrincipalView[]>>();

/**
 * The principals of a list an action's statements may name, asked once per principal and action:
 * exact ARNs are looked up, only wildcard patterns walk the list.
 */
function named(principal: PrincipalView, list: readonly PrincipalView[], action: string): PrincipalView[] {
  const cache = namedCache.get(principal) ?? new Map<string, PrincipalView[]>();
  namedCache.set(principal, cache);
  const key = `${list[0]?.type ?? 'none'}:${action}`;
  let found = cache.get(key);
  if (!found) {
    const patterns = principal.permissions.resourcePatterns(action);
    if (patterns.length === 0) found = [];
    else if (patterns.includes('*')) found = list as PrincipalView[];
    else if (patterns.some((pattern) => /[*?$]/.test(pattern)))
      found = list.filter((entry) => principal.permissions.mayNameResource(action, entry.arn));
    else {
      // Exact ARNs: looked up in the list's index, so a principal costs its patterns, not the list.
      const index = byArnOf(list);
      found = patterns.flatMap((arn) => index.get(arn) ?? []);
    }
    cache.set(key, found);
  }
  return found;
}

const arnIndexes = new WeakMap<readonly PrincipalView[], Map<string, PrincipalView>>();

function byArnOf(list: readonly PrincipalView[]): Map<string, PrincipalView> {
  let index = arnIndexes.get(list);
  if (!index) {
    index = new Map(list.map((entry) => [entry.arn, entry]));
    arnIndexes.set(list, index);
  }
  return index;
}

function otherUserGrant(principal: PrincipalView, view: ExportView, action: string): TargetedGrant | null {
  const { permissions } = principal;
  if (!permissions.allowedSomewhere(action)) return null;
  const anyUser = `arn:aws:iam::${principal.account ?? '000000000000'}:user/${anyUserName}`;
  const open = permissions.allowedOn(action, anyUser);
  if (open) return open;
  for (const user of named(principal, view.users, action)) {
    if (user.arn === principal.arn) continue;
    const grant = permissions.allowedOn(action, user.arn);
    if (grant && morePrivileged(user.permissions, permissions)) return { ...grant, targets: [user.arn] };
  }
  return null;
}

/** How deep sts:AssumeRole chains are followed: the principal, then up to three roles. */
const chainDepth = 3;

/**
 * sts:AssumeRole to a more privileged role, directly or through roles it may assume in turn (role
 * chaining: a role session may call sts:AssumeRole with the permissions of that role). Evidence names
 * each chain, the target last.
 */
function assumableRoleGrant(principal: PrincipalView, view: ExportView): TargetedGrant | null {
  const targets: string[] = [];
  const chains: string[][] = [];
  let via: string[] = [];
  const visited = new Set([principal.arn]);
  let frontier: { from: PrincipalView; chain: string[] }[] = [{ from: principal, chain: [] }];
  for (let depth = 0; depth < chainDepth && frontier.length > 0 && targets.length < exampleLimit; depth++) {
    const next: typeof frontier = [];
    for (const { from, chain } of frontier)
      for (const { role, grantVia } of directlyAssumable(from, view)) {
        if (visited.has(role.arn)) continue;
        visited.add(role.arn);
        const path = [...chain, role.arn];
        if (morePrivileged(role.permissions, principal.permissions)) {
          // The first hop is the principal's own permission: its statements are the evidence.
          if (targets.length === 0)
            via = depth === 0 ? grantVia : firstHopVia(principal, view, path[0] as string);
          targets.push(role.arn);
          chains.push(path);
          if (targets.length >= exampleLimit) break;
        } else next.push({ from: role, chain: path });
      }
    frontier = next;
  }
  return targets.length > 0 ? { via, resources: targets, conditional: false, targets, chains } : null;
}

function firstHopVia(principal: PrincipalView, view: ExportView, arn: string): string[] {
  return directlyAssumable(principal, view).find(({ role }) => role.arn === arn)?.grantVia ?? [];
}

const assumableCache = new WeakMap<PrincipalView, { role: PrincipalView; grantVia: string[] }[]>();

/** The roles of the export a principal (or a role, for the next hop) may assume itself, cached. */
function directlyAssumable(from: PrincipalView, view: ExportView) {
  let found = assumableCache.get(from);
  if (found) return found;
  found = [];
  for (const role of rolesTrustingPrincipal(view, from)) {
    if (role.serviceLinked || role.arn === from.arn) continue;
    const named = trustOfRole(role).assumers.has(from.arn);
    const grant = from.permissions.allowedOn('sts:AssumeRole', role.arn);
    // In its own account a role naming the principal needs no identity policy; an account or "*" does.
    if (!named && !grant) continue;
    found.push({ role, grantVia: grant ? grant.via : [`trust policy of ${role.arn}`] });
  }
  assumableCache.set(from, found);
  return found;
}

const assumersIndex = new WeakMap<ExportView, Map<string, PrincipalView[]>>();

/** The roles whose trust policy names the principal, its account, or any AWS principal. */
function rolesTrustingPrincipal(view: ExportView, principal: PrincipalView): PrincipalView[] {
  let index = assumersIndex.get(view);
  if (!index) {
    index = new Map();
    for (const role of view.roles)
      for (const assumer of trustOfRole(role).assumers) {
        const roles = index.get(assumer) ?? [];
        roles.push(role);
        index.set(assumer, roles);
      }
    assumersIndex.set(view, index);
  }
  const naming = index.get(principal.arn) ?? [];
  // Roles trusting the whole account (or anyone) need the principal's own sts:AssumeRole as well.
  if (principal.permissions.resourcePatterns('sts:AssumeRole').length === 0) return naming;
  const broad = [
    ...(principal.account ? (index.get(principal.account) ?? []) : []),
    ...(index.get('*') ?? []),
  ];
  return [...new Set([...naming, ...broad])];
}

/**
 * Whether a role or user may do more, in a way that matters: change something on any resource, or
 * manage permissions, where the principal may not. A role writing one log group is no step up.
 */
export function morePrivileged(target: PrincipalPermissions, than: PrincipalPermissions): boolean {
  const { writes, permissionsManagement } = target.catalogue;
  return target.anywhere.some((word, i) => {
    const lacking = ~(than.anywhere[i] as number);
    const broadWrites = (target.everywhere[i] as number) & (writes[i] as number);
    const management = word & (permissionsManagement[i] as number);
    return ((broadWrites | management) & lacking) !== 0;
  });
}

const commandDocuments = ['document/AWS-RunShellScript', 'document/AWS-RunPowerShellScript'];

/** A SendCommand resource that reaches a document running arbitrary commands. */
function runsAnyCommand(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  const name = parts.slice(5).join(':');
  const expression = globExpression(name);
  if (commandDocuments.some((document) => expression.test(document))) return true;
  // A wildcard over the account's own documents reaches any document it can create.
  return (parts[4] ?? '') !== '' && expression.test('document/nhi-hub-probe-any-document');
}

interface TrustStatement {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

export function trustStatements(document: unknown): TrustStatement[] {
  if (!document) return [];
  const raw = policyDocument(document).Statement;
  const list = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as TrustStatement[];
  return list.filter((statement) => statement.Effect === 'Allow');
}

const listOf = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

function principalsOf(statement: TrustStatement, type: 'AWS' | 'Service' | 'Federated'): string[] {
  if (statement.Principal === '*') return ['*'];
  return listOf((statement.Principal as Record<string, unknown> | undefined)?.[type]);
}

const servicesIndex = new WeakMap<ExportView, Map<string, Set<PrincipalView>>>();

/** The roles a service may be given (trusting it, or any principal), indexed once per export. */
function rolesTrusting(view: ExportView, service: string): ReadonlySet<PrincipalView> {
  let index = servicesIndex.get(view);
  if (!index) {
    index = new Map();
    const anyService = view.roles.filter((role) => trustOfRole(role).services.has('*'));
    for (const role of view.roles)
      for (const name of trustOfRole(role).services) {
        const roles = index.get(name) ?? new Set(anyService);
        roles.add(role);
        index.set(name, roles);
      }
    index.set('*', new Set(anyService));
    servicesIndex.set(view, index);
  }
  return index.get(service) ?? index.get('*') ?? new Set();
}

interface RoleTrust {
  statements: TrustStatement[];
  /** Service principals it trusts (`*` for a trust open to anyone). */
  services: ReadonlySet<string>;
  /** Who may call sts:AssumeRole on it: principal ARNs, 12-digit accounts (for `:root` too), or `*`. */
  assumers: ReadonlySet<string>;
}
const trusts = new WeakMap<PrincipalView, RoleTrust>();
const assumeRole = /^sts:AssumeRole$/i;

/** A role's trust policy, parsed once per export: paths ask it for every principal. */
function trustOfRole(role: PrincipalView): RoleTrust {
  let trust = trusts.get(role);
  if (!trust) {
    const statements = trustStatements(role.trustPolicy);
    const services = new Set(statements.flatMap((statement) => principalsOf(statement, 'Service')));
    if (statements.some((statement) => statement.Principal === '*')) services.add('*');
    const assumers = new Set<string>();
    for (const statement of statements) {
      const actions = listOf(statement.Action);
      if (!actions.some((action) => action === '*' || action === 'sts:*' || assumeRole.test(action)))
        continue;
      for (const entry of principalsOf(statement, 'AWS'))
        assumers.add(/^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(entry)?.[1] ?? entry);
    }
    trust = { statements, services, assumers };
    trusts.set(role, trust);
  }
  return trust;
}

/** Condition keys that limit who may assume a role open to "AWS": "*" to an organization or account. */
const narrowingKeys =
  /^(aws:PrincipalOrgID|aws:PrincipalOrgPaths|aws:PrincipalAccount|aws:PrincipalArn|aws:SourceAccount|aws:SourceArn|aws:SourceOrgID|aws:userid)$/i;

export interface TrustContext {
  roleAccount: string | null;
  /** The organization's accounts: trusting them is no external trust. */
  organizationAccounts: ReadonlySet<string>;
  /** Self-managed GitLab hosts whose OIDC provider the account may trust, besides gitlab.com. */
  gitlabOidcHosts?: readonly string[];
}

/** Observations about who may assume a role, and which same-organization accounts it trusts. */
export function flagTrustPolicy(
  document: unknown,
  context: TrustContext,
): { flags: PolicyFlag[]; sameOrganization: string[] } {
  const flags: PolicyFlag[] = [];
  const sameOrganization = new Set<string>();
  for (const statement of trustStatements(document)) {
    const principals = principalsOf(statement, 'AWS');
    const conditionKeys = Object.values(
      (statement.Condition ?? {}) as Record<string, Record<string, unknown>>,
    ).flatMap((entries) => Object.keys(entries ?? {}));
    if (principals.includes('*')) {
      if (!conditionKeys.some((key) => narrowingKeys.test(key)))
        flags.push({ kind: 'aws.trust_open_to_any', subject: 'trust policy', evidence: { statement } });
      continue;
    }
    const external: string[] = [];
    for (const principal of principals) {
      const account = /^\d{12}$/.test(principal) ? principal : /::(\d{12}):/.exec(principal)?.[1];
      if (account === undefined || account === context.roleAccount) continue;
      if (context.organizationAccounts.has(account)) sameOrganization.add(account);
      else external.push(principal);
    }
    const hasExternalId = conditionKeys.some((key) => key.toLowerCase() === 'sts:externalid');
    if (external.length > 0 && !hasExternalId)
      flags.push({
        kind: 'aws.trust_external_without_external_id',
        subject: 'trust policy',
        evidence: { statement, principals: external },
      });
  }
  flags.push(...flagCiOidcTrust(document, context.gitlabOidcHosts ?? []));
  return { flags, sameOrganization: [...sameOrganization].sort() };
}
