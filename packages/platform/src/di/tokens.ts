import type { InjectionToken } from 'tsyringe';
import type { RequestPermissions } from '../auth/coverage.ts';
import type { Config } from '../config/config.ts';
import type { Clock, RequestContext } from '../context/request-context.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * Explicit injection tokens. Interfaces have no runtime presence, and `import type`
 * erases classes, so every constructor parameter names its token with @inject.
 */
export const CONFIG: InjectionToken<Config> = Symbol('Config');
export const LOGGER: InjectionToken<Logger> = Symbol('Logger');
export const CLOCK: InjectionToken<Clock> = Symbol('Clock');
/** Present only in a request's child container. */
export const REQUEST_CONTEXT: InjectionToken<RequestContext> = Symbol('RequestContext');
/**
 * The permissions the request's principal holds and over which identities, decided once per
 * request by the guard; a container no guard opened holds none and reads the whole realm.
 */
export const REQUEST_PERMISSIONS: InjectionToken<RequestPermissions> = Symbol('RequestPermissions');
