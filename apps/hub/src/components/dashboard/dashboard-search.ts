import type { DashboardFilter } from '@nhi/dashboard/view';
import { nhiEnvironments, nhiProviders } from '@nhi/nhi/vocabulary';

/** The dashboard's page-wide filter in the query string: environment and source (provider). */
export interface DashboardSearch {
  environment?: (typeof nhiEnvironments)[number][];
  provider?: (typeof nhiProviders)[number][];
}

function listOf<T extends string>(value: unknown, allowed: readonly T[]): T[] | undefined {
  const items = (Array.isArray(value) ? value : [value]).filter(
    (item): item is T => typeof item === 'string' && (allowed as readonly string[]).includes(item),
  );
  return items.length > 0 ? [...new Set(items)] : undefined;
}

/** A value that does not parse is dropped rather than failing the page. */
export function parseDashboardSearch(search: Record<string, unknown>): DashboardSearch {
  const environment = listOf(search.environment, nhiEnvironments);
  const provider = listOf(search.provider, nhiProviders);
  return { ...(environment ? { environment } : {}), ...(provider ? { provider } : {}) };
}

export function filterOf(search: DashboardSearch): DashboardFilter {
  return { environment: search.environment, provider: search.provider };
}
