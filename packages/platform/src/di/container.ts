import 'reflect-metadata';
import { type DependencyContainer, container as globalContainer } from 'tsyringe';
import { unguardedPermissions } from '../auth/coverage.ts';
import type { RequestContext } from '../context/request-context.ts';
import { CLOCK, REQUEST_CONTEXT, REQUEST_PERMISSIONS } from './tokens.ts';

/**
 * The root container holds process-wide singletons (config, logger, database, services
 * that keep no request state). A fresh root per process, or per test, keeps tests
 * independent of each other.
 */
export function createRootContainer(): DependencyContainer {
  return globalContainer.createChildContainer();
}

/**
 * A child container per request: services resolved from it see this request's realm,
 * principal and clock, and nothing from any other request.
 */
export function createRequestContainer(
  root: DependencyContainer,
  context: RequestContext,
): DependencyContainer {
  const child = root.createChildContainer();
  child.register(REQUEST_CONTEXT, { useValue: context });
  child.register(CLOCK, { useValue: context.clock });
  // The guard registers the caller's permissions over these (openRequestScope).
  child.register(REQUEST_PERMISSIONS, { useValue: unguardedPermissions });
  return child;
}
