import type { ScannerSource } from '@nhi/dashboard/view';
import { nhiEnvironments, nhiProviders } from '@nhi/nhi/vocabulary';
import { labelOf } from './dashboard-labels.ts';
import type { DashboardSearch } from './dashboard-search.ts';

/** Environment, provider and scanner source for the whole page; "all" removes the filter from the URL. */
export function DashboardFilters({
  search,
  sources,
  onChange,
}: {
  search: DashboardSearch;
  /** The realm's scanner sources; none in a combined view (each realm has its own). */
  sources: ScannerSource[];
  onChange: (search: DashboardSearch) => void;
}) {
  const single = (values: string[] | undefined) =>
    values?.length === 1 ? values[0] : values?.length ? 'mixed' : '';
  return (
    <form className="dashboard-filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
      <label>
        <span>Environment</span>
        <select
          data-testid="filter-environment"
          value={single(search.environment)}
          onChange={(event) => {
            const value = event.target.value as (typeof nhiEnvironments)[number] | '' | 'mixed';
            if (value === 'mixed') return;
            onChange({ ...search, environment: value ? [value] : undefined });
          }}
        >
          <option value="">All environments</option>
          {search.environment && search.environment.length > 1 ? (
            <option value="mixed">{search.environment.join(', ')}</option>
          ) : null}
          {nhiEnvironments.map((environment) => (
            <option key={environment} value={environment}>
              {labelOf(environment)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Provider</span>
        <select
          data-testid="filter-provider"
          value={single(search.provider)}
          onChange={(event) => {
            const value = event.target.value as (typeof nhiProviders)[number] | '' | 'mixed';
            if (value === 'mixed') return;
            onChange({ ...search, provider: value ? [value] : undefined });
          }}
        >
          <option value="">All providers</option>
          {search.provider && search.provider.length > 1 ? (
            <option value="mixed">{search.provider.join(', ')}</option>
          ) : null}
          {nhiProviders.map((provider) => (
            <option key={provider} value={provider}>
              {provider}
            </option>
          ))}
        </select>
      </label>
      {sources.length > 0 ? (
        <label>
          <span>Scanner source</span>
          <select
            data-testid="filter-source"
            value={single(search.source)}
            onChange={(event) => {
              const value = event.target.value;
              if (value === 'mixed') return;
              onChange({ ...search, source: value ? [value] : undefined });
            }}
          >
            <option value="">All, scanned or not</option>
            {search.source && search.source.length > 1 ? (
              <option value="mixed">{search.source.length} sources</option>
            ) : null}
            {sources.map((source) => (
              <option key={source.id} value={source.id}>
                {source.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </form>
  );
}
