import { getRequestIP } from '@tanstack/react-start/server';

/** The caller's address for login throttling; x-forwarded-for only counts behind a trusted proxy. */
export function clientAddress(trustProxy: boolean): string {
  return getRequestIP({ xForwardedFor: trustProxy }) ?? 'unknown';
}
