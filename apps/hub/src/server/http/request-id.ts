import { randomUUID } from 'node:crypto';

/** Ids a proxy or client may hand us: short, printable, nothing that could forge a log line. */
const acceptableRequestId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's x-request-id when it is sane, so one id follows a call across services; else a new one. */
export function requestIdOf(headers: Headers): string {
  const offered = headers.get('x-request-id');
  return offered && acceptableRequestId.test(offered) ? offered : randomUUID();
}
