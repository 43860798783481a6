import {
  allCoverage,
  CLOCK,
  type Clock,
  type Coverage,
  narrowToToken,
  type PermissionResolver,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  type Principal,
  permissionCatalogue,
  permissionsWithCoverage,
  RealmDb,
  type RealmRef,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { coverageOf, type EffectiveAccess, effectiveAccess } from './policy-engine.ts';
import { loadPolicyState } from './policy-loader.ts';
import type { PolicyState } from './policy-state.ts';

interface CachedRealm {
  epoch: bigint;
  state: PolicyState;
  users: Map<string, EffectiveAccess>;
}

/**
 * Decides what a principal may do in a realm from groups, policies and assignments. Caches the
 * realm's state and each user's effective permissions, both labelled with the realm's policy
 * epoch; every decision first reads the epoch (one primary-key lookup, a prepared statement), so a change committed by
 * any process sharing the database is seen by the next decision. Expiry is checked against the
 * clock at each decision.
 */
@injectable()
export class PolicyDecisions implements PermissionResolver {
  private readonly realms = new Map<string, CachedRealm>();
  private readonly loading = new Map<string, Promise<CachedRealm>>();

  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async permissionsOf(
    principal: Principal,
    realm: RealmRef,
    known: { policyEpoch?: bigint } = {},
  ): Promise<RequestPermissions> {
    // System principals are the operator's own tools (CLI, first start): they hold everything.
    if (principal.kind === 'system')
      return permissionsWithCoverage(
        permissionCatalogue().map((p) => p.key),
        () => allCoverage,
      );
    const realmState = await this.current(realm.id, known.policyEpoch);
    const access = this.accessIn(realmState, principal.userId);
    // A token narrows which permissions pass, never widens what each covers.
    return permissionsWithCoverage(
      narrowToToken(principal, new Set(access.permissions.keys())),
      (permission): Coverage => coverageOf(realmState.state, access, permission),
    );
  }

  /**
   * The user's effective permissions with their grants, current as of this call. `knownEpoch`: the
   * realm's epoch as the caller read it during this call, in place of reading it here.
   */
  async accessOf(realmId: string, userId: string, knownEpoch?: bigint): Promise<EffectiveAccess> {
    return this.accessIn(await this.current(realmId, knownEpoch), userId);
  }

  private accessIn(realm: CachedRealm, userId: string): EffectiveAccess {
    const now = this.clock.now().getTime();
    const cached = realm.users.get(userId);
    if (cached && cached.validUntil > now) return cached;
    const access = effectiveAccess(realm.state, userId, new Date(now));
    realm.users.set(userId, access);
    return access;
  }

  /**
   * The cached state of the realm if it is exactly the state at `epoch`, else nothing: a change
   * that has locked the epoch row starts from it rather than reading the realm again.
   */
  stateAtEpoch(realmId: string, epoch: bigint): PolicyState | undefined {
    const cached = this.realms.get(realmId);
    return cached?.epoch === epoch ? cached.state : undefined;
  }

  /** The realm's state as of the latest committed change. */
  async stateOf(realmId: string): Promise<PolicyState> {
    return (await this.current(realmId)).state;
  }

  private async current(realmId: string, knownEpoch?: bigint): Promise<CachedRealm> {
    const epoch = knownEpoch ?? (await this.committedEpoch(realmId));
    const cached = this.realms.get(realmId);
    if (cached && cached.epoch >= epoch) return cached;
    let pending = this.loading.get(realmId);
    if (!pending) {
      pending = this.load(realmId).finally(() => this.loading.delete(realmId));
      this.loading.set(realmId, pending);
    }
    const loaded = await pending;
    // A load that started before this call's epoch was read may predate the change: load again.
    return loaded.epoch >= epoch ? loaded : this.current(realmId);
  }

  /** The realm's epoch as committed now: the one read every decision makes, so kept to a single round trip. */
  private async committedEpoch(realmId: string): Promise<bigint> {
    const [row] = await this.db.systemQuery<{ epoch: string | number | bigint }>(
      'policy_epoch',
      'SELECT epoch::text AS epoch FROM "PolicyEpoch" WHERE "realmId" = $1',
      [realmId],
    );
    return row ? BigInt(row.epoch) : -1n;
  }

  /**
   * Keeps `state` as the realm's state at `epoch` unless a newer one is cached: a change's outcome
   * (derived with the epoch row locked, ADR 0043), once it has committed.
   */
  adopt(realmId: string, epoch: bigint, state: PolicyState): void {
    this.keep(realmId, epoch, state);
  }

  /** The realm's cache entry once `state` at `epoch` is offered: it, or a newer one already kept. */
  private keep(realmId: string, epoch: bigint, state: PolicyState): CachedRealm {
    const cached = this.realms.get(realmId);
    if (cached && cached.epoch >= epoch) return cached;
    const kept: CachedRealm = { epoch, state, users: new Map() };
    this.realms.set(realmId, kept);
    return kept;
  }

  private async load(realmId: string): Promise<CachedRealm> {
    const { epoch, state } = await new RealmDb(this.db, realmId).transaction((tx) =>
      loadPolicyState(tx, realmId),
    );
    return this.keep(realmId, epoch, state);
  }
}
