import type { AnyRouter } from '@trpc/server';
import type { DependencyContainer } from 'tsyringe';
import type { PermissionDefinition } from '../auth/permissions.ts';
import type { PlatformRuntime } from './platform-runtime.ts';

/**
 * Everything a domain brings to a process, in one place: its procedures (under `name` in
 * /api/trpc), its permissions, what the root container needs before the first request, and
 * its jobs. A runtime takes a list of these; nothing else wires a domain in.
 */
export interface DomainDefinition<Name extends string = string, TRouter extends AnyRouter = AnyRouter> {
  name: Name;
  router: TRouter;
  /** Already in the catalogue once the domain's module is loaded; listed so it is seen. */
  permissions: readonly PermissionDefinition[];
  /** Root-container registrations, e.g. the policy domain's permission resolver. */
  services?: (root: DependencyContainer) => void;
  /** Job handlers, event subscriptions and schedules; only where the runtime runs jobs. */
  jobs?: (runtime: PlatformRuntime) => Promise<void>;
}

export function defineDomain<const Name extends string, TRouter extends AnyRouter>(
  domain: DomainDefinition<Name, TRouter>,
): DomainDefinition<Name, TRouter> {
  return domain;
}

/** The routers of a list of domains, each under its name: what the app's root router spreads. */
export type DomainRouters<Domains extends readonly DomainDefinition[]> = {
  [D in Domains[number] as D['name']]: D['router'];
};

export function domainRouters<const Domains extends readonly DomainDefinition[]>(
  domains: Domains,
): DomainRouters<Domains> {
  return Object.fromEntries(domains.map((domain) => [domain.name, domain.router])) as DomainRouters<Domains>;
}

/** Services first: a job may need them. */
export function registerDomainServices(
  root: DependencyContainer,
  domains: readonly DomainDefinition[],
): void {
  for (const domain of domains) domain.services?.(root);
}

export async function registerDomainJobs(
  runtime: PlatformRuntime,
  domains: readonly DomainDefinition[],
): Promise<void> {
  if (!runtime.jobs) return;
  for (const domain of domains) await domain.jobs?.(runtime);
}
