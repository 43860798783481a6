import { type DashboardFilter, defaultTrendDays, type TrendDays, trendRanges } from '@nhi/dashboard/view';
import { nhiEnvironments, nhiProviders } from '@nhi/nhi/vocabulary';

/** The dashboard's page-wide filter in the query string: environment, provider, scanner source. */
export interface DashboardSearch {
  environment?: (typeof nhiEnvironments)[number][];
  provider?: (typeof nhiProviders)[number][];
  /** Scanner source ids. */
  source?: string[];
  /** "all": the combined overview of every realm the user can read. */
  realms?: 'all';
  /** How many days the trends look back; 30 when absent. */
  days?: TrendDays;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const source = (Array.isArray(search.source) ? search.source : [search.source]).filter(
    (item): item is string => typeof item === 'string' && uuid.test(item),
  );
  return {
    ...(environment ? { environment } : {}),
    ...(provider ? { provider } : {}),
    ...(source.length > 0 ? { source: [...new Set(source)].slice(0, 50) } : {}),
    ...(search.realms === 'all' ? { realms: 'all' as const } : {}),
    ...trendDaysOf(search.days),
  };
}

/** Only the picker's ranges; the default stays out of the URL. */
function trendDaysOf(value: unknown): { days?: TrendDays } {
  const days = trendRanges.find((range) => String(range) === String(value));
  return days && days !== defaultTrendDays ? { days } : {};
}

export function filterOf(search: DashboardSearch): DashboardFilter {
  return { environment: search.environment, provider: search.provider, source: search.source };
}
