/** Who is calling. Tokens carry the permissions chosen when they were created. */
export type Principal =
  | { kind: 'user'; userId: string; email: string; sessionId: string }
  | { kind: 'token'; userId: string; email: string; tokenId: string; tokenPermissions: readonly string[] }
  | { kind: 'system'; name: string };

export interface RealmRef {
  id: string;
  slug: string;
  /**
   * Set on the hub for a realm a worker instance serves: its calls are forwarded there (ADR
   * 0029). Read with the credential, in the same statement, so routing costs nothing per call.
   */
  placement?: RealmPlacement;
  /**
   * Set on the hub while `nhi realm move` copies the realm (where it goes): its changes are
   * refused until the move ends; queries are still answered where it is served.
   */
  movingTo?: string;
}

/** The worker instance that serves a realm, as the hub reaches it. */
export interface RealmPlacement {
  instance: string;
  baseUrl: string;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Everything a service may know about the call it serves. Services receive it by
 * injection and never take a realmId from their callers.
 */
export interface RequestContext {
  readonly requestId: string;
  readonly realm: RealmRef;
  readonly principal: Principal;
  readonly clock: Clock;
}

export function actorOf(principal: Principal): { actorType: 'user' | 'token' | 'system'; actorId: string } {
  switch (principal.kind) {
    case 'user':
      return { actorType: 'user', actorId: principal.userId };
    case 'token':
      return { actorType: 'token', actorId: principal.tokenId };
    case 'system':
      return { actorType: 'system', actorId: principal.name };
  }
}
