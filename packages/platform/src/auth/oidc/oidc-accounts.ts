import { inject, injectable } from 'tsyringe';
import type { Config } from '../../config/config.ts';
import type { Clock, Principal } from '../../context/request-context.ts';
import type { PlatformDatabase } from '../../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../../database/tokens.ts';
import { CLOCK, CONFIG, LOGGER } from '../../di/tokens.ts';
import { AuthenticationError } from '../../errors/domain-errors.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { InstanceSync } from '../../instances/instance-sync.ts';
import type { Logger } from '../../logging/logger.ts';
import { writeAuditEntry } from '../audit-entry.ts';
import { AuthService, type LoginResult, normaliseEmail } from '../auth.service.ts';
import { generatePassword } from '../generated-password.ts';
import { PasswordHasher } from '../password-hasher.ts';
import type { BuiltInRole } from '../permissions.ts';
import { insertUser } from '../realm-admin-writes.ts';
import type { OidcClaimRule, OidcProviderConfig } from './oidc-config.ts';

/** What the identity provider asserted, from the ID token the library validated (and userinfo). */
export interface AssertedIdentity {
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
  /** Values of the provider's groups claim. */
  groups: string[];
}

/** What a provider's mapping granted at the last login, kept on the identity (UserIdentity.managed). */
export interface ManagedGrants {
  /** Realm id → role the mapping gave. */
  memberships: Record<string, BuiltInRole>;
  /** Policy group memberships the mapping added. */
  groups: { realmId: string; groupId: string }[];
}

const roleRank: Record<BuiltInRole, number> = { viewer: 1, editor: 2, admin: 3 };

type Tx = Prisma.TransactionClient;

/**
 * Turns a login at an identity provider into a user of the hub: finds the account by the
 * provider's subject, links an existing one by verified email only when the provider allows it,
 * or creates one; then applies the provider's claim mapping and starts a session. System code: it
 * runs before any realm is known and writes in the realms the mapping names, each change with its
 * audit row in that realm.
 */
@injectable()
export class OidcAccounts {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(AuthService) private readonly auth: AuthService,
    @inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @inject(InstanceSync) private readonly instanceSync: InstanceSync,
    @inject(CONFIG) private readonly config: Config,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  async signIn(
    provider: OidcProviderConfig,
    identity: AssertedIdentity,
    session: { idToken?: string; requestId?: string } = {},
  ): Promise<LoginResult> {
    const actor: Principal = { kind: 'system', name: `oidc:${provider.id}` };
    // Hashing is slow: an unusable password for a new account is made before the transaction.
    const unusablePasswordHash = await this.passwords.hash(generatePassword());
    const { user, changedRealms } = await this.db.systemPrisma.$transaction(async (tx) => {
      const account = await this.accountOf(tx, provider, identity, unusablePasswordHash, actor);
      const changed = await this.applyMapping(tx, provider, identity.groups, account, actor);
      return { user: account.user, changedRealms: changed };
    });
    // Worker instances learn of membership changes in the realms they serve.
    for (const realmId of changedRealms) {
      await this.instanceSync.syncRealm(realmId).catch((error: unknown) => {
        this.logger.warn({ event: 'oidc_sync_failed', realmId, err: error }, 'realm sync after login failed');
      });
    }
    return this.auth.startSession(user, {
      method: 'oidc',
      identityProvider: provider.id,
      ...(session.idToken ? { idToken: session.idToken } : {}),
      ...(session.requestId ? { requestId: session.requestId } : {}),
    });
  }

  /** The configured provider by id; undefined for any other id. */
  provider(id: string): OidcProviderConfig | undefined {
    return this.config.oidcProviders.find((provider) => provider.id === id);
  }

  private async accountOf(
    tx: Tx,
    provider: OidcProviderConfig,
    identity: AssertedIdentity,
    unusablePasswordHash: string,
    actor: Principal,
  ): Promise<{
    user: { id: string; email: string };
    identityId: string;
    managed: ManagedGrants;
    isNew: boolean;
  }> {
    const linked = await tx.userIdentity.findUnique({
      where: { provider_subject: { provider: provider.id, subject: identity.subject } },
      select: { id: true, managed: true, user: { select: { id: true, email: true, disabledAt: true } } },
    });
    const now = this.clock.now();
    if (linked) {
      if (linked.user.disabledAt) throw new AuthenticationError('This account is disabled');
      await tx.userIdentity.update({
        where: { id: linked.id },
        data: { lastLoginAt: now },
        select: { id: true },
      });
      return {
        user: { id: linked.user.id, email: linked.user.email },
        identityId: linked.id,
        managed: managedOf(linked.managed),
        isNew: false,
      };
    }
    if (!identity.email) {
      throw new AuthenticationError(
        `${provider.name} did not say the account’s email: ask for the email scope`,
      );
    }
    const email = normaliseEmail(identity.email);
    const existing = await tx.user.findUnique({
      where: { email },
      select: { id: true, email: true, disabledAt: true },
    });
    let user: { id: string; email: string };
    if (existing) {
      // The same email is not the same person unless the provider vouches for it and an admin
      // chose to trust that provider's word.
      if (!provider.allowEmailLinking || !identity.emailVerified) {
        throw new AuthenticationError(
          `An account with this email already exists here; it can be linked to ${provider.name} only when the provider has verified the email and an administrator allowed linking`,
        );
      }
      if (existing.disabledAt) throw new AuthenticationError('This account is disabled');
      user = { id: existing.id, email: existing.email };
    } else {
      const realmId = await this.firstMappedRealm(tx, provider, identity.groups);
      if (!realmId) throw noRealm(provider);
      user = await insertUser(tx, { email, passwordHash: unusablePasswordHash }, realmId, actor);
      if (identity.name) {
        await tx.user.update({
          where: { id: user.id },
          data: { displayName: identity.name },
          select: { id: true },
        });
      }
    }
    const created = await tx.userIdentity.create({
      data: { provider: provider.id, subject: identity.subject, userId: user.id, email, lastLoginAt: now },
      select: { id: true },
    });
    this.logger.info(
      {
        event: existing ? 'oidc_account_linked' : 'oidc_account_created',
        provider: provider.id,
        userId: user.id,
      },
      existing ? 'identity linked to an existing account' : 'account created at first login',
    );
    return { user, identityId: created.id, managed: { memberships: {}, groups: [] }, isNew: !existing };
  }

  /** For the audit row of a new user: the first realm its groups make it a member of. */
  private async firstMappedRealm(
    tx: Tx,
    provider: OidcProviderConfig,
    groups: string[],
  ): Promise<string | undefined> {
    const wanted = desiredRoles(provider.map, groups);
    const realms = await tx.realm.findMany({
      where: { slug: { in: [...wanted.keys()] } },
      select: { id: true },
      orderBy: { slug: 'asc' },
    });
    return realms[0]?.id;
  }

  /**
   * Re-applies the mapping at each login. Only what the mapping granted before, and still as it
   * granted it, is changed or taken back; a membership or policy group someone gave or changed by
   * hand is left as it is, and the mapping does not take it over. Returns the realms whose
   * memberships changed.
   */
  private async applyMapping(
    tx: Tx,
    provider: OidcProviderConfig,
    groups: string[],
    account: { user: { id: string; email: string }; identityId: string; managed: ManagedGrants },
    actor: Principal,
  ): Promise<string[]> {
    const userId = account.user.id;
    const wantedBySlug = desiredRoles(provider.map, groups);
    const realms = await tx.realm.findMany({
      where: { slug: { in: [...wantedBySlug.keys(), ...policyRealms(provider.map, groups)] } },
      select: { id: true, slug: true, instanceId: true },
    });
    const realmIdOf = new Map(realms.map((realm) => [realm.slug, realm.id]));
    const onWorkers = new Set(realms.filter((realm) => realm.instanceId !== null).map((realm) => realm.id));
    for (const slug of wantedBySlug.keys()) {
      if (!realmIdOf.has(slug))
        this.logger.warn(
          { event: 'oidc_map_unknown_realm', provider: provider.id, realm: slug },
          'mapping names an unknown realm',
        );
    }
    const wanted = new Map<string, BuiltInRole>();
    for (const [slug, role] of wantedBySlug) {
      const realmId = realmIdOf.get(slug);
      if (realmId) wanted.set(realmId, role);
    }
    const managed: ManagedGrants = { memberships: {}, groups: [] };
    const changed = new Set<string>();
    const current = new Map(
      (
        await tx.realmMembership.findMany({
          where: {
            userId,
            realmId: { in: [...new Set([...wanted.keys(), ...Object.keys(account.managed.memberships)])] },
          },
          select: { realmId: true, role: true },
        })
      ).map((row) => [row.realmId, row.role]),
    );

    for (const [realmId, role] of wanted) {
      const held = current.get(realmId);
      // Still the mapping's only while it holds the role the mapping gave: a role changed by hand
      // makes the membership a manual one.
      const wasManaged = held !== undefined && account.managed.memberships[realmId] === held;
      if (held === undefined) {
        await tx.realmMembership.create({ data: { realmId, userId, role }, select: { role: true } });
        await audit(tx, realmId, actor, 'member.add', userId, undefined, {
          userId,
          role,
          provider: provider.id,
        });
        changed.add(realmId);
        managed.memberships[realmId] = role;
      } else if (wasManaged) {
        if (held !== role) {
          await tx.realmMembership.update({
            where: { realmId_userId: { realmId, userId } },
            data: { role },
            select: { role: true },
          });
          await audit(
            tx,
            realmId,
            actor,
            'member.set_role',
            userId,
            { role: held },
            { role, provider: provider.id },
          );
          changed.add(realmId);
        }
        managed.memberships[realmId] = role;
      }
    }
    for (const [realmId, role] of Object.entries(account.managed.memberships)) {
      if (wanted.has(realmId) || current.get(realmId) !== role) continue;
      await tx.policyGroupMember.deleteMany({ where: { realmId, userId } });
      await tx.realmMembership.delete({
        where: { realmId_userId: { realmId, userId } },
        select: { role: true },
      });
      await audit(tx, realmId, actor, 'member.remove', userId, { userId, role }, { provider: provider.id });
      changed.add(realmId);
    }

    managed.groups = await this.applyPolicyGroups(tx, provider, groups, realmIdOf, onWorkers, account, actor);
    await tx.userIdentity.update({
      where: { id: account.identityId },
      data: { managed: managed as unknown as Prisma.InputJsonValue },
      select: { id: true },
    });
    return [...changed];
  }

  /** Policy groups by path, in realms the user is a member of (a group holds members of its realm). */
  private async applyPolicyGroups(
    tx: Tx,
    provider: OidcProviderConfig,
    groups: string[],
    realmIdOf: Map<string, string>,
    onWorkers: Set<string>,
    account: { user: { id: string }; managed: ManagedGrants },
    actor: Principal,
  ): Promise<ManagedGrants['groups']> {
    const userId = account.user.id;
    const memberOf = new Set(
      (await tx.realmMembership.findMany({ where: { userId }, select: { realmId: true } })).map(
        (row) => row.realmId,
      ),
    );
    const wanted = new Map<string, { realmId: string; groupId: string; path: string }>();
    for (const rule of provider.map) {
      if (!rule.policyGroup || !groups.includes(rule.group)) continue;
      const realmId = realmIdOf.get(rule.realm);
      if (!realmId || !memberOf.has(realmId)) continue;
      if (onWorkers.has(realmId)) {
        // A worker keeps that realm's policy groups; the hub's copy decides nothing there.
        this.logger.warn(
          { event: 'oidc_map_group_on_worker', provider: provider.id, realm: rule.realm },
          'policy groups of a realm served by a worker are not mapped',
        );
        continue;
      }
      const groupId = await groupByPath(tx, realmId, rule.policyGroup);
      if (!groupId) {
        this.logger.warn(
          {
            event: 'oidc_map_unknown_group',
            provider: provider.id,
            realm: rule.realm,
            path: rule.policyGroup,
          },
          'mapping names an unknown policy group',
        );
        continue;
      }
      wanted.set(`${realmId}/${groupId}`, { realmId, groupId, path: rule.policyGroup });
    }
    const previously = new Set(account.managed.groups.map((grant) => `${grant.realmId}/${grant.groupId}`));
    const kept: ManagedGrants['groups'] = [];
    for (const [key, grant] of wanted) {
      const { realmId, groupId } = grant;
      const held = await tx.policyGroupMember.findUnique({
        where: { realmId_groupId_userId: { realmId, groupId, userId } },
        select: { userId: true },
      });
      if (!held) {
        await tx.policyGroupMember.create({ data: { realmId, groupId, userId }, select: { userId: true } });
        await audit(tx, realmId, actor, 'policy.member.add', groupId, undefined, {
          userId,
          path: grant.path,
          provider: provider.id,
        });
        kept.push({ realmId, groupId });
      } else if (previously.has(key)) {
        kept.push({ realmId, groupId });
      }
    }
    for (const { realmId, groupId } of account.managed.groups) {
      if (wanted.has(`${realmId}/${groupId}`)) continue;
      const removed = await tx.policyGroupMember.deleteMany({ where: { realmId, groupId, userId } });
      if (removed.count > 0) {
        await audit(
          tx,
          realmId,
          actor,
          'policy.member.remove',
          groupId,
          { userId },
          { provider: provider.id },
        );
      }
    }
    return kept;
  }
}

/** Realm slug → the highest role any matching rule gives. */
export function desiredRoles(rules: OidcClaimRule[], groups: string[]): Map<string, BuiltInRole> {
  const wanted = new Map<string, BuiltInRole>();
  for (const rule of rules) {
    if (!rule.role || !groups.includes(rule.group)) continue;
    const held = wanted.get(rule.realm);
    if (!held || roleRank[rule.role] > roleRank[held]) wanted.set(rule.realm, rule.role);
  }
  return wanted;
}

function policyRealms(rules: OidcClaimRule[], groups: string[]): string[] {
  return rules.filter((rule) => rule.policyGroup && groups.includes(rule.group)).map((rule) => rule.realm);
}

/** A policy group of the realm by its path of names from the top (`/Security/Oncall`). */
async function groupByPath(tx: Tx, realmId: string, path: string): Promise<string | undefined> {
  let parentId: string | null = null;
  for (const name of path.split('/').filter((part) => part !== '')) {
    const found: { id: string } | null = await tx.policyGroup.findFirst({
      where: { realmId, parentId, name, builtInRole: null },
      select: { id: true },
    });
    if (!found) return undefined;
    parentId = found.id;
  }
  return parentId ?? undefined;
}

function managedOf(value: Prisma.JsonValue): ManagedGrants {
  const record = (value ?? {}) as Partial<ManagedGrants>;
  return { memberships: record.memberships ?? {}, groups: record.groups ?? [] };
}

function noRealm(provider: OidcProviderConfig): AuthenticationError {
  return new AuthenticationError(
    `Your account at ${provider.name} is in no group that gives access to this hub: ask an administrator`,
  );
}

function audit(
  tx: Tx,
  realmId: string,
  actor: Principal,
  action: string,
  entityId: string,
  before: Prisma.InputJsonValue | undefined,
  after: Prisma.InputJsonValue | undefined,
): Promise<void> {
  return writeAuditEntry(tx, {
    realmId,
    actor,
    action,
    entityType: action.startsWith('policy.') ? 'PolicyGroup' : 'RealmMembership',
    entityId,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
  });
}
