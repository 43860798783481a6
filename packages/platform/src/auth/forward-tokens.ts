import { type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import { type Clock, systemClock } from '../context/request-context.ts';
import { CLOCK, CONFIG } from '../di/tokens.ts';
import { AuthenticationError } from '../errors/domain-errors.ts';
import { sessionAlgorithms } from './signing-key-material.ts';
import { SigningKeys } from './signing-keys.ts';

/**
 * A header type of its own: forward tokens and session tokens share the signing keys, and
 * neither may pass for the other.
 */
export const forwardTokenType = 'nhi-forward+jwt';

/** Long enough for one forwarded call to arrive, short enough that a leaked token is soon useless. */
export const forwardTokenLifetimeSeconds = 60;

/** The reasons a worker gives: enough for the hub to act on, nothing about keys or parsing. */
export const forwardTokenMissing = 'Forward token required';
export const forwardTokenExpired = 'Forward token expired';
export const forwardTokenInvalid = 'Invalid forward token';
export const forwardRealmNotServed = 'Realm not served by this instance';

/** What a forward token asserts: who called, in which realm, for which instance. */
export interface ForwardClaims {
  /** Hub issuer. */
  iss: string;
  /** Name of the instance the call is forwarded to. */
  aud: string;
  /** User id. */
  sub: string;
  /** Realm id. */
  realm: string;
  /** Request id of the call on the hub, so both sides log the same id. */
  rid: string;
  iat: number;
  exp: number;
}

export interface ForwardedCall {
  /** The instance that serves the realm. */
  instance: string;
  userId: string;
  realmId: string;
  requestId: string;
}

/** Signs, on the hub, one token per forwarded call, with the session signing keys. */
@injectable()
export class ForwardTokens {
  constructor(
    @inject(SigningKeys) private readonly keys: SigningKeys,
    @inject(CONFIG) private readonly config: Config,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async issue(call: ForwardedCall): Promise<string> {
    const signer = await this.keys.signer();
    if (!signer.privateKey) throw new Error('This process holds no private key to sign forward tokens with');
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ realm: call.realmId, rid: call.requestId })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: forwardTokenType })
      .setIssuer(this.config.NHI_JWT_ISSUER)
      .setAudience(call.instance)
      .setSubject(call.userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + forwardTokenLifetimeSeconds)
      .sign(signer.privateKey);
  }
}

export interface ForwardTokenVerifierOptions {
  /**
   * The hub's public keys: `createRemoteJWKSet(new URL(hubJwksUrl))` in production, which
   * refetches on an unknown key id, so rotations on the hub reach the worker by themselves.
   */
  keys: JWTVerifyGetKey;
  /** The hub's issuer (its NHI_JWT_ISSUER). */
  issuer: string;
  /** This instance's own name: tokens for other instances are refused. */
  instance: string;
  /** Whether this instance serves the realm; asked only once the token is proven genuine. */
  servesRealm: (realmId: string) => boolean | Promise<boolean>;
  clock?: Clock;
}

/** Checks, on a worker, that a call was forwarded by the hub, to this instance, for one of its realms. */
export class ForwardTokenVerifier {
  private readonly clock: Clock;

  constructor(private readonly options: ForwardTokenVerifierOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async verify(token: string | undefined): Promise<ForwardClaims> {
    if (!token) throw new AuthenticationError(forwardTokenMissing);
    const claims = claimsOf(await this.verifiedPayload(token));
    if (!(await this.options.servesRealm(claims.realm))) {
      throw new AuthenticationError(forwardRealmNotServed);
    }
    return claims;
  }

  private async verifiedPayload(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.options.keys, {
        // The asymmetric allow-list is checked before any key is looked up: `none` and HMAC never get that far.
        algorithms: [...sessionAlgorithms],
        typ: forwardTokenType,
        issuer: this.options.issuer,
        audience: this.options.instance,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'realm', 'rid', 'iat', 'exp'],
      });
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError(forwardTokenExpired);
      // The hub's key set out of reach is an outage, not a bad token: it surfaces as such.
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) throw error;
      throw new AuthenticationError(forwardTokenInvalid);
    }
  }
}

function claimsOf(payload: JWTPayload): ForwardClaims {
  const { iss, aud, sub, realm, rid, iat, exp } = payload;
  if (
    typeof iss !== 'string' ||
    typeof aud !== 'string' ||
    typeof sub !== 'string' ||
    typeof realm !== 'string' ||
    typeof rid !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number'
  ) {
    throw new AuthenticationError(forwardTokenInvalid);
  }
  return { iss, aud, sub, realm, rid, iat, exp };
}
