import { decodeProtectedHeader, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../../config/config.ts';
import type { Clock } from '../../context/request-context.ts';
import { CLOCK, CONFIG } from '../../di/tokens.ts';
import { AuthenticationError } from '../../errors/domain-errors.ts';
import { SigningKeys } from '../signing-keys.ts';

/** `verify`: the account has TOTP, a code finishes the login. `enrol`: a realm requires TOTP first. */
export type ChallengePurpose = 'verify' | 'enrol';

export interface MfaChallenge {
  purpose: ChallengePurpose;
  challenge: string;
  expiresAt: Date;
}

/** Long enough to open an app and type a code, or to scan a QR code; short enough to be useless stolen. */
export const challengeTtlSeconds = 5 * 60;
export const challengeExpired = 'The login step expired: log in again';

/** A type of its own: a challenge never passes as a session, nor a session as a challenge. */
const challengeTokenType = 'nhi-mfa-challenge+jwt';

/**
 * The proof that a password was right, carried to the second step: a short-lived JWT signed with
 * the session keys. It opens nothing by itself; only a code (or enrolment) turns it into a session.
 */
@injectable()
export class MfaChallenges {
  constructor(
    @inject(SigningKeys) private readonly keys: SigningKeys,
    @inject(CONFIG) private readonly config: Config,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async issue(userId: string, purpose: ChallengePurpose): Promise<MfaChallenge> {
    const signer = await this.keys.signer();
    if (!signer.privateKey) throw new Error('This process holds no private key to sign with');
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = iat + challengeTtlSeconds;
    const challenge = await new SignJWT({ purpose })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: challengeTokenType })
      .setSubject(userId)
      .setIssuer(this.config.NHI_JWT_ISSUER)
      .setAudience(this.config.NHI_JWT_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(signer.privateKey);
    return { purpose, challenge, expiresAt: new Date(exp * 1000) };
  }

  /** The user the challenge was issued to, if it is genuine, unexpired and of `purpose`. */
  async verify(challenge: string, purpose: ChallengePurpose): Promise<string> {
    let payload: JWTPayload;
    try {
      const { kid } = decodeProtectedHeader(challenge);
      const key = typeof kid === 'string' ? await this.keys.verificationKey(kid) : undefined;
      if (!key) throw new Error('unknown key');
      ({ payload } = await jwtVerify(challenge, key.publicKey, {
        algorithms: [key.alg],
        typ: challengeTokenType,
        issuer: this.config.NHI_JWT_ISSUER,
        audience: this.config.NHI_JWT_AUDIENCE,
        currentDate: this.clock.now(),
        requiredClaims: ['sub', 'exp'],
      }));
    } catch {
      throw new AuthenticationError(challengeExpired);
    }
    if (payload.purpose !== purpose || typeof payload.sub !== 'string') {
      throw new AuthenticationError(challengeExpired);
    }
    return payload.sub;
  }
}
