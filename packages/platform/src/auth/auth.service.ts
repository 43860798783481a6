import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { Clock, Principal, RealmPlacement, RealmRef } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, CONFIG, LOGGER } from '../di/tokens.ts';
import { AuthenticationError, NotFoundError } from '../errors/domain-errors.ts';
import type { Logger } from '../logging/logger.ts';
import { hashApiToken, looksLikeApiToken } from './api-token-format.ts';
import { writeAuditEntry } from './audit-entry.ts';
import { LoginThrottle } from './login-throttle.ts';
import { type MfaChallenge, MfaChallenges } from './mfa/mfa-challenges.ts';
import { IdTokenSeal } from './oidc/id-token-seal.ts';
import { PasswordHasher } from './password-hasher.ts';
import type { BuiltInRole } from './permissions.ts';
import { type SessionClaims, SessionTokens, sessionExpired, sessionInvalid } from './session-tokens.ts';
import { type VerifiedCredential, VerifiedCredentials } from './verified-credentials.ts';

export interface RealmSummary {
  id: string;
  slug: string;
  name: string;
}

export interface RealmOfUser extends RealmSummary {
  role: BuiltInRole;
  /** Where the realm is served when a worker instance serves it. */
  placement?: RealmPlacement;
}

export interface SessionToken {
  token: string;
  expiresAt: Date;
}

/** A session that logout ended, and how it had started (null: a password login). */
export interface EndedSession {
  identityProvider: string | null;
  idToken: string | null;
}

export interface LoginResult extends SessionToken {
  user: { id: string; email: string };
  realm: RealmSummary;
}

export interface Authenticated {
  principal: Principal;
  realm: RealmRef;
  /** Set when the presented session token was past half its life: send this one back instead. */
  renewedToken?: SessionToken;
  /**
   * The realm's policy epoch, read in the same statement that checked the credential: the
   * permission resolver decides from it instead of reading it again.
   */
  policyEpoch?: bigint;
}

/** The realm a user lands in after logging in, when a member of it. */
export const defaultRealmSlug = 'hub';

const invalidCredentials = 'Invalid email or password';
const secondFactorNeeded = 'This account needs its second factor: log in from the login page';
const passwordLoginOff = 'Password login is switched off here: sign in with your organisation’s provider';
const invalidApiToken = 'Invalid API token';
/** lastUsedAt is for people reading a token list: minute precision spares a write per call. */
const lastUsedPrecisionMs = 60_000;
/** PolicyEpoch has a row per realm from its creation on; its absence is an epoch no state carries. */
const noEpoch = '-1';

interface EpochRow {
  authEpoch: string;
  policyEpoch: string | null;
}

/** The instance columns of a realm row: both null when the hub serves the realm itself. */
interface PlacementColumns {
  instanceName: string | null;
  instanceUrl: string | null;
  movingTo: string | null;
}

interface SessionRow extends EpochRow, PlacementColumns {
  email: string;
  disabled: boolean;
  revoked: boolean;
  expiresAt: number;
  realmId: string | null;
  realmSlug: string | null;
}

interface ApiTokenRow extends EpochRow, PlacementColumns {
  id: string;
  userId: string;
  permissions: string[];
  revoked: boolean;
  expiresAt: number | null;
  lastUsedAt: number | null;
  realmId: string;
  realmSlug: string;
  email: string;
  disabled: boolean;
  member: boolean;
}

// Each check is one statement, so the epochs it returns label exactly the rows it read: a change
// that commits later moves an epoch past the label. Instants come back as milliseconds since 1970
// (timestamps are stored in UTC without a zone), numbers on both databases.
const epochsSql = `
  SELECT u."authEpoch"::text AS "authEpoch",
    (SELECT p.epoch::text FROM "PolicyEpoch" p WHERE p."realmId" = $2) AS "policyEpoch"
  FROM "User" u WHERE u.id = $1`;

const sessionSql = `
  SELECT u.email, u."disabledAt" IS NOT NULL AS disabled, u."authEpoch"::text AS "authEpoch",
    s."revokedAt" IS NOT NULL AS revoked,
    (extract(epoch FROM s."expiresAt") * 1000)::float8 AS "expiresAt",
    r.id AS "realmId", r.slug AS "realmSlug", i.name AS "instanceName", i."baseUrl" AS "instanceUrl",
    r."movingTo",
    (SELECT p.epoch::text FROM "PolicyEpoch" p WHERE p."realmId" = r.id) AS "policyEpoch"
  FROM "Session" s
  JOIN "User" u ON u.id = s."userId"
  LEFT JOIN "Realm" r ON r.slug = $3
    AND EXISTS (SELECT 1 FROM "RealmMembership" m WHERE m."realmId" = r.id AND m."userId" = s."userId")
  LEFT JOIN "Instance" i ON i.id = r."instanceId"
  WHERE s.id = $1 AND s."userId" = $2`;

const apiTokenSql = `
  SELECT t.id, t."userId", t.permissions, t."revokedAt" IS NOT NULL AS revoked,
    (extract(epoch FROM t."expiresAt") * 1000)::float8 AS "expiresAt",
    (extract(epoch FROM t."lastUsedAt") * 1000)::float8 AS "lastUsedAt",
    r.id AS "realmId", r.slug AS "realmSlug", i.name AS "instanceName", i."baseUrl" AS "instanceUrl",
    r."movingTo",
    u.email, u."disabledAt" IS NOT NULL AS disabled, u."authEpoch"::text AS "authEpoch",
    EXISTS (SELECT 1 FROM "RealmMembership" m WHERE m."realmId" = t."realmId" AND m."userId" = t."userId") AS member,
    (SELECT p.epoch::text FROM "PolicyEpoch" p WHERE p."realmId" = t."realmId") AS "policyEpoch"
  FROM "ApiToken" t
  JOIN "User" u ON u.id = t."userId"
  JOIN "Realm" r ON r.id = t."realmId"
  LEFT JOIN "Instance" i ON i.id = r."instanceId"
  WHERE t."tokenHash" = $1`;

function realmRefOf(id: string, slug: string, placement: PlacementColumns): RealmRef {
  const { instanceName, instanceUrl, movingTo } = placement;
  const moving = movingTo ? { movingTo } : {};
  return instanceName && instanceUrl
    ? { id, slug, placement: { instance: instanceName, baseUrl: instanceUrl }, ...moving }
    : { id, slug, ...moving };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Logs people in and recognises them on every request. System code: it runs before any
 * realm is known (that is what it finds out), so it reads through the unscoped client.
 */
@injectable()
export class AuthService {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @inject(SessionTokens) private readonly sessionTokens: SessionTokens,
    @inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(CONFIG) private readonly config: Config,
    @inject(MfaChallenges) private readonly mfaChallenges: MfaChallenges,
    @inject(IdTokenSeal) private readonly idTokens: IdTokenSeal,
  ) {}

  /** Credentials verified by this process; each use still checks the epochs (see authenticate). */
  private readonly verified = new VerifiedCredentials();

  /** A password login that ends in a session; an account that needs a second factor is refused. */
  async login(input: { email: string; password: string; ip: string }): Promise<LoginResult> {
    const outcome = await this.passwordLogin(input);
    if ('challenge' in outcome) throw new AuthenticationError(secondFactorNeeded);
    return outcome;
  }

  /**
   * Password first. An account with TOTP, or a member of a realm that requires it, gets a
   * short-lived challenge for the second step (MfaService) instead of a session (ADR 0034).
   */
  async passwordLogin(input: {
    email: string;
    password: string;
    ip: string;
  }): Promise<LoginResult | MfaChallenge> {
    const email = normaliseEmail(input.email);
    await this.throttle.assertAllowed(email, input.ip);
    const user = await this.db.systemPrisma.user.findUnique({
      where: { email },
      select: { id: true, email: true, passwordHash: true, disabledAt: true, totpEnabledAt: true },
    });
    const passwordMatches = user
      ? await this.passwords.verify(user.passwordHash, input.password)
      : await this.passwords.verifyDummy(input.password);
    if (!user || !passwordMatches) {
      await this.throttle.recordFailure(email, input.ip);
      this.logger.info({ event: 'login_failed', ip: input.ip }, 'login failed');
      throw new AuthenticationError(invalidCredentials);
    }
    const secondFactor = await this.secondFactorOf(user);
    // With a second factor the account's failures are forgotten once its code is right: a known
    // password must not reset the count that limits guessing codes.
    if (!secondFactor) await this.throttle.recordSuccess(email, input.ip);
    if (user.disabledAt) throw new AuthenticationError('This account is disabled');
    // Checked after the password, so the answer tells a stranger nothing about which account is
    // the break-glass one.
    if (!this.passwordLoginAllowed(user.email)) throw new AuthenticationError(passwordLoginOff);
    if (secondFactor) return this.mfaChallenges.issue(user.id, secondFactor);
    return this.startSession(user, { method: 'password' });
  }

  /** `verify` when the account has TOTP; `enrol` when it has none and one of its realms requires it. */
  private async secondFactorOf(user: { id: string; totpEnabledAt: Date | null }) {
    if (user.totpEnabledAt) return 'verify' as const;
    const requiring = await this.db.systemPrisma.realmMembership.count({
      where: { userId: user.id, realm: { mfaRequired: true } },
    });
    return requiring > 0 ? ('enrol' as const) : undefined;
  }

  /** Whether `email` may log in with a password: everyone, or only the break-glass account. */
  passwordLoginAllowed(email: string): boolean {
    if (this.config.NHI_LOCAL_LOGIN) return true;
    const breakGlass = this.config.NHI_BREAK_GLASS_EMAIL ?? this.config.NHI_ADMIN_EMAIL;
    return normaliseEmail(email) === normaliseEmail(breakGlass);
  }

  /**
   * A session for a user whose credentials were checked (a password, or an identity provider):
   * lands in the realm the user last chose, else `hub` when a member, else the first realm; the login goes to that realm's
   * audit trail with its method.
   */
  async startSession(
    user: { id: string; email: string },
    login: { method: string; identityProvider?: string; idToken?: string; requestId?: string },
  ): Promise<LoginResult> {
    const realm = await this.landingRealm(user.id);
    if (!realm) throw new AuthenticationError('This account has no access to any realm');

    const sessionId = randomUUID();
    const issued = await this.sessionTokens.issue({ userId: user.id, sessionId, realmSlug: realm.slug });
    // Sealed before the transaction: the seal's key may have to be read, and the embedded database
    // serves one connection, which the transaction holds.
    const idToken = login.idToken ? await this.idTokens.seal(login.idToken) : null;
    await this.db.systemPrisma.$transaction(async (tx) => {
      await tx.session.create({
        data: {
          id: sessionId,
          userId: user.id,
          createdAt: this.clock.now(),
          expiresAt: issued.expiresAt,
          identityProvider: login.identityProvider ?? null,
          idToken,
        },
        select: { id: true },
      });
      await writeAuditEntry(tx, {
        realmId: realm.id,
        actor: { kind: 'user', userId: user.id, email: user.email, sessionId },
        action: 'auth.login',
        entityType: 'Session',
        entityId: sessionId,
        after: {
          method: login.method,
          ...(login.identityProvider ? { provider: login.identityProvider } : {}),
        },
        ...(login.requestId ? { requestId: login.requestId } : {}),
      });
    });
    this.logger.info({ event: 'login', userId: user.id, sessionId, method: login.method }, 'user logged in');
    return {
      token: issued.token,
      expiresAt: issued.expiresAt,
      user: { id: user.id, email: user.email },
      realm: { id: realm.id, slug: realm.slug, name: realm.name },
    };
  }

  /** Ends the session: every token issued for it stops working on its next use. */
  async logout(sessionId: string): Promise<EndedSession> {
    await this.db.systemPrisma.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: this.clock.now() },
    });
    this.logger.info({ event: 'logout', sessionId }, 'session revoked');
    // What RP-initiated logout needs: the provider that signed the user in and its ID token.
    const ended = await this.db.systemPrisma.session.findUnique({
      where: { id: sessionId },
      select: { identityProvider: true, idToken: true },
    });
    return {
      identityProvider: ended?.identityProvider ?? null,
      idToken: ended?.idToken ? await this.openedIdToken(ended.idToken) : null,
    };
  }

  /** A sealed ID token that no longer opens (the key was replaced) only costs the logout hint. */
  private async openedIdToken(sealed: string): Promise<string | null> {
    try {
      return await this.idTokens.open(sealed);
    } catch {
      this.logger.warn({ event: 'id_token_unreadable' }, 'the ID token kept for logout could not be read');
      return null;
    }
  }

  /** A token for the same session, working in another realm of the user. */
  async switchRealm(
    session: { userId: string; sessionId: string },
    realmSlug: string,
  ): Promise<SessionToken & { realm: RealmSummary }> {
    await this.activeSession(session.sessionId, session.userId);
    const realm = (await this.realmsOf(session.userId)).find((candidate) => candidate.slug === realmSlug);
    if (!realm) throw new NotFoundError('Realm', realmSlug);
    await this.db.systemPrisma.user.update({
      where: { id: session.userId },
      data: { lastRealmId: realm.id },
    });
    const issued = await this.reissue(session.userId, session.sessionId, realm.slug);
    return { ...issued, realm: { id: realm.id, slug: realm.slug, name: realm.name } };
  }

  /**
   * Recognises the caller by API token (preferred when both are present) or session token. A
   * credential this process has verified before costs one statement: the user's auth epoch and the
   * realm's policy epoch, which triggers move in the same transaction as any revocation, logout,
   * disabling, password change or membership change. When either moved, or the entry is older than
   * a minute, the credential is checked in full again (one statement, and the JWT's signature).
   */
  async authenticate(credentials: {
    sessionToken?: string;
    bearerToken?: string;
    /**
     * The realm the page asking works in (its URL names it, ADR 0036). A session works in any realm
     * of its user; an API token only in its own, so the name is ignored for tokens.
     */
    realmSlug?: string;
  }): Promise<Authenticated> {
    if (credentials.bearerToken !== undefined) return this.authenticateApiToken(credentials.bearerToken);
    if (credentials.sessionToken !== undefined) {
      return this.authenticateSession(credentials.sessionToken, credentials.realmSlug);
    }
    throw new AuthenticationError();
  }

  /** The realms a user belongs to, with the role held in each, by name. */
  async realmsOf(userId: string): Promise<RealmOfUser[]> {
    const memberships = await this.db.systemPrisma.realmMembership.findMany({
      where: { userId },
      select: {
        role: true,
        realm: {
          select: { id: true, slug: true, name: true, instance: { select: { name: true, baseUrl: true } } },
        },
      },
      orderBy: [{ realm: { name: 'asc' } }, { realm: { slug: 'asc' } }],
    });
    return memberships.map(({ role, realm: { instance, ...realm } }) => ({
      ...realm,
      role,
      ...(instance ? { placement: { instance: instance.name, baseUrl: instance.baseUrl } } : {}),
    }));
  }

  private async authenticateSession(token: string, realmSlug?: string): Promise<Authenticated> {
    const key = `${this.verified.keyOf('session', token)}${realmSlug ? `:${realmSlug}` : ''}`;
    const credential = (await this.stillValid(key)) ?? (await this.verifySession(key, token, realmSlug));
    const claims = credential.claims as SessionClaims;
    const renewedToken = this.sessionTokens.shouldRenew(claims) ? await this.renew(claims) : undefined;
    return { ...this.authenticated(credential), ...(renewedToken ? { renewedToken } : {}) };
  }

  private async verifySession(key: string, token: string, realmSlug?: string): Promise<VerifiedCredential> {
    const claims = await this.sessionTokens.verify(token);
    const [row] = await this.db.systemQuery<SessionRow>('auth_session', sessionSql, [
      claims.sid,
      claims.sub,
      realmSlug ?? claims.realm,
    ]);
    if (!row || row.revoked || row.disabled) throw new AuthenticationError(sessionInvalid);
    const now = this.clock.now().getTime();
    if (row.expiresAt <= now) throw new AuthenticationError(sessionExpired);
    // A realm the page names that is not the user's is not found, as its records would be: the
    // session itself is fine and stays.
    if ((!row.realmId || !row.realmSlug) && realmSlug && realmSlug !== claims.realm) {
      throw new NotFoundError('Realm', realmSlug);
    }
    if (!row.realmId || !row.realmSlug) throw new AuthenticationError(sessionInvalid);
    return this.remember(key, now, {
      principal: { kind: 'user', userId: claims.sub, email: row.email, sessionId: claims.sid },
      realm: realmRefOf(row.realmId, row.realmSlug, row),
      authEpoch: row.authEpoch,
      policyEpoch: row.policyEpoch ?? noEpoch,
      validUntil: Math.min(row.expiresAt, claims.exp * 1000),
      claims,
    });
  }

  private async authenticateApiToken(token: string): Promise<Authenticated> {
    if (!looksLikeApiToken(token)) throw new AuthenticationError(invalidApiToken);
    const key = this.verified.keyOf('bearer', token);
    const credential = (await this.stillValid(key)) ?? (await this.verifyApiToken(key, token));
    await this.recordUse(credential);
    return this.authenticated(credential);
  }

  private async verifyApiToken(key: string, token: string): Promise<VerifiedCredential> {
    const [row] = await this.db.systemQuery<ApiTokenRow>('auth_api_token', apiTokenSql, [
      hashApiToken(token),
    ]);
    if (!row || row.revoked || row.disabled || !row.member) throw new AuthenticationError(invalidApiToken);
    const now = this.clock.now().getTime();
    if (row.expiresAt !== null && row.expiresAt <= now) throw new AuthenticationError('API token expired');
    return this.remember(key, now, {
      principal: {
        kind: 'token',
        userId: row.userId,
        email: row.email,
        tokenId: row.id,
        tokenPermissions: row.permissions,
      },
      realm: realmRefOf(row.realmId, row.realmSlug, row),
      authEpoch: row.authEpoch,
      policyEpoch: row.policyEpoch ?? noEpoch,
      validUntil: row.expiresAt ?? Number.POSITIVE_INFINITY,
      lastUsedAt: row.lastUsedAt ?? undefined,
    });
  }

  /** The cached credential if it has not expired and neither epoch has moved since it was checked. */
  private async stillValid(key: string): Promise<VerifiedCredential | undefined> {
    const cached = this.verified.get(key, this.clock.now().getTime());
    if (!cached) return undefined;
    const [row] = await this.db.systemQuery<EpochRow>('auth_epochs', epochsSql, [
      cached.principal.userId,
      cached.realm.id,
    ]);
    if (row && row.authEpoch === cached.authEpoch && (row.policyEpoch ?? noEpoch) === cached.policyEpoch) {
      return cached;
    }
    this.verified.delete(key);
    return undefined;
  }

  private remember(key: string, now: number, credential: VerifiedCredential): VerifiedCredential {
    this.verified.set(key, credential, now);
    return credential;
  }

  private authenticated(credential: VerifiedCredential): Authenticated {
    const policyEpoch = credential.policyEpoch === noEpoch ? undefined : BigInt(credential.policyEpoch);
    return { principal: credential.principal, realm: credential.realm, policyEpoch };
  }

  /** At most one write a minute per token and process, however many calls it makes. */
  private async recordUse(credential: VerifiedCredential): Promise<void> {
    if (credential.principal.kind !== 'token') return;
    const now = this.clock.now();
    if (credential.lastUsedAt !== undefined && now.getTime() - credential.lastUsedAt < lastUsedPrecisionMs)
      return;
    // Claimed before the write: concurrent calls of the same token do not all write.
    credential.lastUsedAt = now.getTime();
    await this.db.systemPrisma.apiToken.updateMany({
      where: {
        id: credential.principal.tokenId,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - lastUsedPrecisionMs) } }],
      },
      data: { lastUsedAt: now },
    });
  }

  /** The session must exist, belong to the user, be neither revoked nor expired, and the user enabled. */
  private async activeSession(sessionId: string, userId: string): Promise<{ email: string }> {
    const session = await this.db.systemPrisma.session.findUnique({
      where: { id: sessionId },
      select: {
        userId: true,
        expiresAt: true,
        revokedAt: true,
        user: { select: { email: true, disabledAt: true } },
      },
    });
    if (!session || session.userId !== userId || session.revokedAt || session.user.disabledAt) {
      throw new AuthenticationError(sessionInvalid);
    }
    if (session.expiresAt <= this.clock.now()) throw new AuthenticationError(sessionExpired);
    return { email: session.user.email };
  }

  /** The realm a new session starts in: the last one chosen while still a member, else `hub`, else the first. */
  private async landingRealm(userId: string): Promise<RealmOfUser | undefined> {
    const [realms, user] = await Promise.all([
      this.realmsOf(userId),
      this.db.systemPrisma.user.findUnique({ where: { id: userId }, select: { lastRealmId: true } }),
    ]);
    return (
      realms.find((candidate) => candidate.id === user?.lastRealmId) ??
      realms.find((candidate) => candidate.slug === defaultRealmSlug) ??
      realms[0]
    );
  }

  private renew(claims: SessionClaims): Promise<SessionToken> {
    return this.reissue(claims.sub, claims.sid, claims.realm);
  }

  /** A fresh token for a live session; the session's expiry moves along with it. */
  private async reissue(userId: string, sessionId: string, realmSlug: string): Promise<SessionToken> {
    const issued = await this.sessionTokens.issue({ userId, sessionId, realmSlug });
    await this.db.systemPrisma.session.updateMany({
      where: { id: sessionId, revokedAt: null, expiresAt: { lt: issued.expiresAt } },
      data: { expiresAt: issued.expiresAt },
    });
    return { token: issued.token, expiresAt: issued.expiresAt };
  }
}
