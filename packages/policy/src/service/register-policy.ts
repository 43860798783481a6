import { PERMISSION_RESOLVER } from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { PolicyDecisions } from './policy-decisions.ts';

/**
 * Puts policy decisions behind PERMISSION_RESOLVER in a root container that already holds
 * PLATFORM_DATABASE and CLOCK. One PolicyDecisions per root: its cache serves every request.
 */
export function registerPolicy(root: DependencyContainer): PolicyDecisions {
  const scope = root.createChildContainer();
  scope.register(PolicyDecisions, { useClass: PolicyDecisions });
  const decisions = scope.resolve(PolicyDecisions);
  root.register(PolicyDecisions, { useValue: decisions });
  root.register(PERMISSION_RESOLVER, { useValue: decisions });
  return decisions;
}
