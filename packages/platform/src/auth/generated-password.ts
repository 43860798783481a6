import { randomBytes } from 'node:crypto';

/** 24 URL-safe characters, 144 random bits: strong, and survives copy and paste. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export const minimumPasswordLength = 12;
