import { generate, generateSecret, generateURI, verify } from 'otplib';

/** What Google Authenticator, 1Password and Authy read: SHA-1, 6 digits, 30-second steps. */
export const totpPeriodSeconds = 30;
const secretBytes = 20;

/** A fresh base32 secret of 160 bits, the length RFC 4226 recommends for SHA-1. */
export function newTotpSecret(): string {
  return generateSecret({ length: secretBytes });
}

export function totpUri(secret: string, issuer: string, account: string): string {
  return generateURI({ issuer, label: account, secret });
}

/** The code an authenticator app shows at `now`; for tests and nothing else in the product. */
export function totpCodeAt(secret: string, now: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(now.getTime() / 1000) });
}

export function looksLikeTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code);
}

/**
 * The time step a code belongs to when it is valid at `now` within one step either way (clocks of
 * phones drift) and later than `afterStep`, the last step accepted: a code is accepted once.
 */
export async function acceptedStep(
  secret: string,
  code: string,
  now: Date,
  afterStep: number | null,
): Promise<number | undefined> {
  if (!looksLikeTotpCode(code)) return undefined;
  const epoch = Math.floor(now.getTime() / 1000);
  // otplib refuses an afterTimeStep beyond the window: a step stored ahead of this clock caps there.
  const latest = Math.floor(epoch / totpPeriodSeconds) + 1;
  const result = await verify({
    secret,
    token: code,
    epoch,
    epochTolerance: totpPeriodSeconds,
    ...(afterStep === null ? {} : { afterTimeStep: Math.min(afterStep, latest) }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
