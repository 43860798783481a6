import { type FactoryProvider, instancePerContainerCachingFactory } from 'tsyringe';
import { REQUEST_CONTEXT } from '../di/tokens.ts';
import { RealmDb } from './realm-db.ts';
import { PLATFORM_DATABASE } from './tokens.ts';

/**
 * Registers REALM_DB in a request's child container: the realm comes from the request context,
 * never from a caller. `container.register(REALM_DB, realmDbProvider)`.
 */
export const realmDbProvider: FactoryProvider<RealmDb> = {
  useFactory: instancePerContainerCachingFactory(
    (container) =>
      new RealmDb(container.resolve(PLATFORM_DATABASE), container.resolve(REQUEST_CONTEXT).realm.id),
  ),
};
