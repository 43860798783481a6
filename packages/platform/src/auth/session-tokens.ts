import { decodeProtectedHeader, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context/request-context.ts';
import { CLOCK, CONFIG } from '../di/tokens.ts';
import { AuthenticationError } from '../errors/domain-errors.ts';
import { isSessionAlgorithm } from './signing-key-material.ts';
import { SigningKeys } from './signing-keys.ts';

/** What a session JWT asserts. */
export interface SessionClaims {
  /** User id. */
  sub: string;
  /** Session row id: revoking the session ends every token that carries it. */
  sid: string;
  /** Slug of the realm the user is working in. */
  realm: string;
  iat: number;
  exp: number;
}

export interface IssuedSessionToken {
  token: string;
  expiresAt: Date;
  claims: SessionClaims;
}

/** A distinct type keeps other JWTs signed by the same keys from passing as sessions. */
const sessionTokenType = 'nhi-session+jwt';

/** The reasons callers see: enough to act on, nothing about keys or parsing. */
export const sessionExpired = 'Session expired';
export const sessionInvalid = 'Invalid session';

@injectable()
export class SessionTokens {
  constructor(
    @inject(SigningKeys) private readonly keys: SigningKeys,
    @inject(CONFIG) private readonly config: Config,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async issue(subject: {
    userId: string;
    sessionId: string;
    realmSlug: string;
  }): Promise<IssuedSessionToken> {
    const signer = await this.keys.signer();
    if (!signer.privateKey) throw new Error('This process holds no private key to sign sessions with');
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = iat + this.config.NHI_SESSION_TTL_SECONDS;
    const claims: SessionClaims = {
      sub: subject.userId,
      sid: subject.sessionId,
      realm: subject.realmSlug,
      iat,
      exp,
    };
    const token = await new SignJWT({ sid: claims.sid, realm: claims.realm })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: sessionTokenType })
      .setSubject(claims.sub)
      .setIssuer(this.config.NHI_JWT_ISSUER)
      .setAudience(this.config.NHI_JWT_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(signer.privateKey);
    return { token, expiresAt: new Date(exp * 1000), claims };
  }

  /**
   * Checks algorithm (asymmetric allowlist), key id, signature, type, issuer, audience and
   * expiry. Says only "expired" or "invalid": the details stay in the server.
   */
  async verify(token: string): Promise<SessionClaims> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthenticationError(sessionInvalid);
    }
    if (!isSessionAlgorithm(header.alg) || typeof header.kid !== 'string') {
      throw new AuthenticationError(sessionInvalid);
    }
    const key = await this.keys.verificationKey(header.kid);
    if (!key || key.alg !== header.alg) throw new AuthenticationError(sessionInvalid);

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [key.alg],
        typ: sessionTokenType,
        issuer: this.config.NHI_JWT_ISSUER,
        audience: this.config.NHI_JWT_AUDIENCE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'sid', 'realm', 'iat', 'exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError(sessionExpired);
      throw new AuthenticationError(sessionInvalid);
    }
    const { sub, sid, realm, iat, exp } = payload;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof realm !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    ) {
      throw new AuthenticationError(sessionInvalid);
    }
    return { sub, sid, realm, iat, exp };
  }

  /** Past half its life a token is replaced, so an active user never meets the expiry. */
  shouldRenew(claims: SessionClaims): boolean {
    const halfLife = (claims.exp - claims.iat) / 2;
    return this.clock.now().getTime() / 1000 >= claims.iat + halfLife;
  }
}
