import { createHash, randomInt } from 'node:crypto';

export const recoveryCodeCount = 10;

/** Crockford's base32 less look-alikes: codes are read off paper and typed by hand. */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const groups = 4;
const groupLength = 4;

/** 80 random bits as `XXXX-XXXX-XXXX-XXXX`: too many to guess, so a plain SHA-256 may keep them. */
export function newRecoveryCode(): string {
  const chars = Array.from({ length: groups * groupLength }, () => alphabet[randomInt(alphabet.length)]);
  return Array.from({ length: groups }, (_, i) =>
    chars.slice(i * groupLength, (i + 1) * groupLength).join(''),
  ).join('-');
}

/** Case, spaces and dashes do not matter, nor O for 0 and I or L for 1, as people type them. */
export function normaliseRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex');
}
