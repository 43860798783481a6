import { createRemoteJWKSet } from 'jose';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { Principal, RealmRef } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK } from '../di/tokens.ts';
import { AuthenticationError } from '../errors/domain-errors.ts';
import type { Authenticated } from './auth.service.ts';
import { type ForwardClaims, ForwardTokenVerifier } from './forward-tokens.ts';

/** The header a forwarded call carries its token in; a worker reads nothing else. */
export const FORWARD_TOKEN_HEADER = 'x-nhi-forward';

/** Where a worker fetches the hub's public keys. */
export const hubJwksPath = '/.well-known/jwks.json';

/** The refusal when the user the hub names is not (or no longer) a member here. */
export const forwardedUserUnknown = 'User not known to this instance';

interface CallerRow {
  email: string;
  disabled: boolean;
  realmSlug: string;
  member: boolean;
  policyEpoch: string | null;
}

// One statement: the user, the realm it is forwarded for, the membership and the realm's policy
// epoch, so the permission resolver decides without reading the epoch again.
const callerSql = `
  SELECT u.email, u."disabledAt" IS NOT NULL AS disabled, r.slug AS "realmSlug",
    EXISTS (SELECT 1 FROM "RealmMembership" m WHERE m."realmId" = r.id AND m."userId" = u.id) AS member,
    (SELECT p.epoch::text FROM "PolicyEpoch" p WHERE p."realmId" = r.id) AS "policyEpoch"
  FROM "User" u, "Realm" r
  WHERE u.id = $1 AND r.id = $2`;

const servedRealmSql = `SELECT 1 AS served FROM "Realm" r WHERE r.id = $1`;

/**
 * On a worker, the only way in: a call forwarded by the hub with a forward token. The worker
 * decides what the caller may do from its own data (users and memberships the hub keeps in step,
 * the realm's policies), with the same resolver the hub runs for its own realms.
 */
export class ForwardedCalls {
  constructor(
    private readonly verifier: ForwardTokenVerifier,
    private readonly db: PlatformDatabase,
  ) {}

  /** The verifier, for the hub's own calls (instance tokens) that reach this worker. */
  get tokens(): ForwardTokenVerifier {
    return this.verifier;
  }

  async authenticate(headers: Headers): Promise<Authenticated & { claims: ForwardClaims }> {
    const claims = await this.verifier.verify(headers.get(FORWARD_TOKEN_HEADER) ?? undefined);
    const [row] = await this.db.systemQuery<CallerRow>('forwarded_caller', callerSql, [
      claims.sub,
      claims.realm,
    ]);
    if (!row) throw new AuthenticationError(forwardedUserUnknown);
    if (row.disabled || !row.member) throw new AuthenticationError(forwardedUserUnknown);
    const realm: RealmRef = { id: claims.realm, slug: row.realmSlug };
    const policyEpoch = row.policyEpoch === null ? undefined : BigInt(row.policyEpoch);
    return { principal: principalOf(claims, row.email), realm, policyEpoch, claims };
  }
}

function principalOf(claims: ForwardClaims, email: string): Principal {
  if (claims.tok !== undefined) {
    return {
      kind: 'token',
      userId: claims.sub,
      email,
      tokenId: claims.tok,
      tokenPermissions: claims.perm ?? [],
    };
  }
  return { kind: 'user', userId: claims.sub, email, sessionId: claims.sid ?? claims.rid };
}

/** Registered in worker mode only: its presence is what makes authentication accept nothing else. */
export const FORWARDED_CALLS: InjectionToken<ForwardedCalls> = Symbol('ForwardedCalls');

/**
 * A worker's view of the hub: its keys at NHI_HUB_URL (refetched on an unknown key id, so a
 * rotation on the hub reaches the worker), its issuer, and this instance's name as audience.
 */
export function registerForwardedCalls(root: DependencyContainer, config: Config): void {
  if (config.NHI_MODE !== 'worker' || !config.NHI_HUB_URL || !config.NHI_INSTANCE_NAME) return;
  const db = root.resolve(PLATFORM_DATABASE);
  const served = new Set<string>();
  const verifier = new ForwardTokenVerifier({
    keys: createRemoteJWKSet(new URL(hubJwksPath, config.NHI_HUB_URL), { cooldownDuration: 5_000 }),
    issuer: config.NHI_JWT_ISSUER,
    instance: config.NHI_INSTANCE_NAME,
    clock: root.resolve(CLOCK),
    // A realm once served stays served until the process restarts (a realm moved away is
    // deleted here only after the hub has switched its placement).
    servesRealm: async (realmId) => {
      if (served.has(realmId)) return true;
      const rows = await db.systemQuery('forwarded_served_realm', servedRealmSql, [realmId]);
      if (rows.length > 0) served.add(realmId);
      return rows.length > 0;
    },
  });
  root.register(FORWARDED_CALLS, { useValue: new ForwardedCalls(verifier, db) });
}
