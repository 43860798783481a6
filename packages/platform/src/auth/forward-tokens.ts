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

/**
 * The hub's own calls to an instance (realm provisioning, user synchronisation): no user, no
 * realm, and a type of their own so that neither kind of token passes for the other.
 */
export const instanceTokenType = 'nhi-instance+jwt';

/** The subject of an instance token: the hub itself. */
export const hubSubject = 'hub';

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
  /** The hub session the call came with, for audit rows and logs. */
  sid?: string;
  /** API token id when the call came with one; `perm` its chosen permissions (empty: all of the user's). */
  tok?: string;
  perm?: string[];
  iat: number;
  exp: number;
}

export interface ForwardedCall {
  /** The instance that serves the realm. */
  instance: string;
  userId: string;
  realmId: string;
  requestId: string;
  sessionId?: string;
  /** An API token's id and chosen permissions: the worker narrows to them as the hub would. */
  token?: { id: string; permissions: readonly string[] };
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
    const claims = {
      realm: call.realmId,
      rid: call.requestId,
      ...(call.sessionId ? { sid: call.sessionId } : {}),
      ...(call.token ? { tok: call.token.id, perm: [...call.token.permissions] } : {}),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: forwardTokenType })
      .setIssuer(this.config.NHI_JWT_ISSUER)
      .setAudience(call.instance)
      .setSubject(call.userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + forwardTokenLifetimeSeconds)
      .sign(signer.privateKey);
  }

  /** A token for one of the hub's own calls to `instance` (provisioning, synchronisation). */
  async issueForInstance(instance: string, requestId: string): Promise<string> {
    const signer = await this.keys.signer();
    if (!signer.privateKey) throw new Error('This process holds no private key to sign instance tokens with');
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ rid: requestId })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: instanceTokenType })
      .setIssuer(this.config.NHI_JWT_ISSUER)
      .setAudience(instance)
      .setSubject(hubSubject)
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

  /** An instance token: the hub itself calling this instance. Returns the hub's request id. */
  async verifyInstanceCall(token: string | undefined): Promise<{ rid: string }> {
    if (!token) throw new AuthenticationError(forwardTokenMissing);
    const payload = await this.verifiedPayload(token, instanceTokenType, ['sub', 'rid', 'iat', 'exp']);
    if (payload.sub !== hubSubject || typeof payload.rid !== 'string') {
      throw new AuthenticationError(forwardTokenInvalid);
    }
    return { rid: payload.rid };
  }

  private async verifiedPayload(
    token: string,
    typ = forwardTokenType,
    requiredClaims = ['sub', 'realm', 'rid', 'iat', 'exp'],
  ): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.options.keys, {
        // The asymmetric allow-list is checked before any key is looked up: `none` and HMAC never get that far.
        algorithms: [...sessionAlgorithms],
        typ,
        issuer: this.options.issuer,
        audience: this.options.instance,
        currentDate: this.clock.now(),
        requiredClaims,
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
  const { iss, aud, sub, realm, rid, iat, exp, sid, tok, perm } = payload;
  // An API token's id without its permission list would pass for the user's whole session: refused.
  if (tok !== undefined && (typeof tok !== 'string' || !isStringArray(perm))) {
    throw new AuthenticationError(forwardTokenInvalid);
  }
  const optional = {
    ...(typeof sid === 'string' ? { sid } : {}),
    ...(typeof tok === 'string' && isStringArray(perm) ? { tok, perm } : {}),
  };
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
  return { iss, aud, sub, realm, rid, iat, exp, ...optional };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
