import type { TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { InjectionToken } from 'tsyringe';
import type { RealmRef } from '../context/request-context.ts';

/**
 * Where a realm's procedures run: in this process, or behind a link to the instance that serves
 * the realm. The caller asks for every call, so a serverFn never knows where its realm lives.
 */
export type RealmRoute = { kind: 'local' } | { kind: 'remote'; link: TRPCLink<AnyRouter> };

export interface RealmRouting {
  routeOf(realm: RealmRef): RealmRoute;
}

export const REALM_ROUTING: InjectionToken<RealmRouting> = Symbol('RealmRouting');

/** A single hub serves every realm itself. */
export const localRouting: RealmRouting = { routeOf: () => ({ kind: 'local' }) };
