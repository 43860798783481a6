import type { InjectionToken } from 'tsyringe';
import type { PlatformDatabase } from './platform-database.ts';
import type { RealmDb } from './realm-db.ts';

/** The process-wide database. Its systemPrisma is for system code only. */
export const PLATFORM_DATABASE: InjectionToken<PlatformDatabase> = Symbol('PlatformDatabase');
/** The request's realm-scoped data access; registered in each request's child container. */
export const REALM_DB: InjectionToken<RealmDb> = Symbol('RealmDb');
