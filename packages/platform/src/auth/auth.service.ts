import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { Clock, Principal, RealmRef } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, LOGGER } from '../di/tokens.ts';
import { AuthenticationError, NotFoundError } from '../errors/domain-errors.ts';
import type { Logger } from '../logging/logger.ts';
import { hashApiToken, looksLikeApiToken } from './api-token-format.ts';
import { LoginThrottle } from './login-throttle.ts';
import { PasswordHasher } from './password-hasher.ts';
import type { BuiltInRole } from './permissions.ts';
import { type SessionClaims, SessionTokens, sessionInvalid } from './session-tokens.ts';

export interface RealmSummary {
  id: string;
  slug: string;
  name: string;
}

export interface RealmOfUser extends RealmSummary {
  role: BuiltInRole;
}

export interface SessionToken {
  token: string;
  expiresAt: Date;
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
}

/** The realm a user lands in after logging in, when a member of it. */
export const defaultRealmSlug = 'hub';

const invalidCredentials = 'Invalid email or password';
const invalidApiToken = 'Invalid API token';
/** lastUsedAt is for people reading a token list: minute precision spares a write per call. */
const lastUsedPrecisionMs = 60_000;

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
  ) {}

  async login(input: { email: string; password: string; ip: string }): Promise<LoginResult> {
    const email = normaliseEmail(input.email);
    await this.throttle.assertAllowed(email, input.ip);
    const user = await this.db.systemPrisma.user.findUnique({
      where: { email },
      select: { id: true, email: true, passwordHash: true, disabledAt: true },
    });
    const passwordMatches = user
      ? await this.passwords.verify(user.passwordHash, input.password)
      : await this.passwords.verifyDummy(input.password);
    if (!user || !passwordMatches) {
      await this.throttle.recordFailure(email, input.ip);
      this.logger.info({ event: 'login_failed', ip: input.ip }, 'login failed');
      throw new AuthenticationError(invalidCredentials);
    }
    await this.throttle.recordSuccess(email, input.ip);
    if (user.disabledAt) throw new AuthenticationError('This account is disabled');

    const realms = await this.realmsOf(user.id);
    const realm = realms.find((candidate) => candidate.slug === defaultRealmSlug) ?? realms[0];
    if (!realm) throw new AuthenticationError('This account has no access to any realm');

    const sessionId = randomUUID();
    const issued = await this.sessionTokens.issue({ userId: user.id, sessionId, realmSlug: realm.slug });
    await this.db.systemPrisma.session.create({
      data: { id: sessionId, userId: user.id, createdAt: this.clock.now(), expiresAt: issued.expiresAt },
      select: { id: true },
    });
    this.logger.info({ event: 'login', userId: user.id, sessionId }, 'user logged in');
    return {
      token: issued.token,
      expiresAt: issued.expiresAt,
      user: { id: user.id, email: user.email },
      realm: { id: realm.id, slug: realm.slug, name: realm.name },
    };
  }

  /** Ends the session: every token issued for it stops working on its next use. */
  async logout(sessionId: string): Promise<void> {
    await this.db.systemPrisma.session.updateMany({
      where: { id: sessionId, revokedAt: null },
      data: { revokedAt: this.clock.now() },
    });
    this.logger.info({ event: 'logout', sessionId }, 'session revoked');
  }

  /** A token for the same session, working in another realm of the user. */
  async switchRealm(
    session: { userId: string; sessionId: string },
    realmSlug: string,
  ): Promise<SessionToken & { realm: RealmSummary }> {
    await this.activeSession(session.sessionId, session.userId);
    const realm = (await this.realmsOf(session.userId)).find((candidate) => candidate.slug === realmSlug);
    if (!realm) throw new NotFoundError('Realm', realmSlug);
    const issued = await this.reissue(session.userId, session.sessionId, realm.slug);
    return { ...issued, realm: { id: realm.id, slug: realm.slug, name: realm.name } };
  }

  /** Recognises the caller by API token (preferred when both are present) or session token. */
  async authenticate(credentials: { sessionToken?: string; bearerToken?: string }): Promise<Authenticated> {
    if (credentials.bearerToken !== undefined) return this.authenticateApiToken(credentials.bearerToken);
    if (credentials.sessionToken !== undefined) return this.authenticateSession(credentials.sessionToken);
    throw new AuthenticationError();
  }

  /** The realms a user belongs to, with the role held in each, by name. */
  async realmsOf(userId: string): Promise<RealmOfUser[]> {
    const memberships = await this.db.systemPrisma.realmMembership.findMany({
      where: { userId },
      select: { role: true, realm: { select: { id: true, slug: true, name: true } } },
      orderBy: [{ realm: { name: 'asc' } }, { realm: { slug: 'asc' } }],
    });
    return memberships.map(({ role, realm }) => ({ ...realm, role }));
  }

  private async authenticateSession(token: string): Promise<Authenticated> {
    const claims = await this.sessionTokens.verify(token);
    const { email } = await this.activeSession(claims.sid, claims.sub);
    const realm = await this.membershipRealm(claims.sub, { slug: claims.realm });
    if (!realm) throw new AuthenticationError(sessionInvalid);
    const principal: Principal = { kind: 'user', userId: claims.sub, email, sessionId: claims.sid };
    const renewedToken = this.sessionTokens.shouldRenew(claims) ? await this.renew(claims) : undefined;
    return renewedToken ? { principal, realm, renewedToken } : { principal, realm };
  }

  private async authenticateApiToken(token: string): Promise<Authenticated> {
    if (!looksLikeApiToken(token)) throw new AuthenticationError(invalidApiToken);
    const now = this.clock.now();
    const found = await this.db.systemPrisma.apiToken.findUnique({
      where: { tokenHash: hashApiToken(token) },
      select: {
        id: true,
        userId: true,
        permissions: true,
        expiresAt: true,
        revokedAt: true,
        realm: { select: { id: true, slug: true } },
        user: { select: { email: true, disabledAt: true } },
      },
    });
    if (!found || found.revokedAt || found.user.disabledAt) throw new AuthenticationError(invalidApiToken);
    if (found.expiresAt && found.expiresAt <= now) throw new AuthenticationError('API token expired');
    if (!(await this.membershipRealm(found.userId, { id: found.realm.id }))) {
      throw new AuthenticationError(invalidApiToken);
    }
    await this.db.systemPrisma.apiToken.updateMany({
      where: {
        id: found.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - lastUsedPrecisionMs) } }],
      },
      data: { lastUsedAt: now },
    });
    return {
      principal: {
        kind: 'token',
        userId: found.userId,
        email: found.user.email,
        tokenId: found.id,
        tokenPermissions: found.permissions,
      },
      realm: found.realm,
    };
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
    if (session.expiresAt <= this.clock.now()) throw new AuthenticationError('Session expired');
    return { email: session.user.email };
  }

  private async membershipRealm(
    userId: string,
    realm: { slug: string } | { id: string },
  ): Promise<RealmRef | null> {
    const membership = await this.db.systemPrisma.realmMembership.findFirst({
      where: { userId, realm },
      select: { realm: { select: { id: true, slug: true } } },
    });
    return membership?.realm ?? null;
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
