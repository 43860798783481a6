import { z } from 'zod';
import { storableIsoDateTime } from '../input/storable-date.ts';

/** Longest lifetime a token may be given in days: ten years, beyond which "never" is the honest answer. */
export const maxApiTokenLifetimeDays = 3650;

/**
 * What callers send to create a token, over tRPC and from the hub's form alike. Expiry is
 * either a number of days from now or an instant; neither means the token never expires.
 */
export const createApiTokenInput = z
  .object({
    name: z.string().trim().min(1, 'Give the token a name').max(100, 'Keep the name under 100 characters'),
    expiresInDays: z.int().min(1).max(maxApiTokenLifetimeDays).optional(),
    expiresAt: storableIsoDateTime().optional(),
    /** A subset of the caller's permissions; empty or absent: whatever the user holds at each use. */
    permissions: z.array(z.string().min(1).max(100)).max(100).optional(),
  })
  .refine((input) => input.expiresInDays === undefined || input.expiresAt === undefined, {
    message: 'Give either expiresInDays or expiresAt, not both',
    path: ['expiresAt'],
  });

export type CreateApiTokenInput = z.infer<typeof createApiTokenInput>;

export const revokeApiTokenInput = z.object({ id: z.string().min(1).max(100) });

export type RevokeApiTokenInput = z.infer<typeof revokeApiTokenInput>;

/** The instant a new token stops working, or undefined for one that never does. */
export function apiTokenExpiry(
  input: Pick<CreateApiTokenInput, 'expiresInDays' | 'expiresAt'>,
  now: Date,
): Date | undefined {
  if (input.expiresInDays !== undefined) return new Date(now.getTime() + input.expiresInDays * 86_400_000);
  if (input.expiresAt !== undefined) return new Date(input.expiresAt);
  return undefined;
}
