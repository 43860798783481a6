import { ExportLink } from '../shared/export-link.tsx';
import { type AlertSearch, alertFilterOf } from './alert-search.ts';

/** The alerts the list's state, severity and rule filters select, as OCSF lines or CSV. */
export function AlertExportLinks({ search }: { search: AlertSearch }) {
  const filter = alertFilterOf(search);
  const params: [string, string][] = [
    ...(filter.states ?? []).map((state): [string, string] => ['state', state]),
    ...(filter.severities ?? []).map((severity): [string, string] => ['severity', severity]),
    ...(filter.ruleId ? [['rule', filter.ruleId] as [string, string]] : []),
  ];
  return (
    <span title="The export takes the list's state, severity and rule filters">
      Export{' '}
      <ExportLink
        path="/api/export/alerts"
        params={[['format', 'ocsf'], ...params]}
        label="OCSF"
        testId="alerts-export-ocsf"
      />
      {' / '}
      <ExportLink
        path="/api/export/alerts"
        params={[['format', 'csv'], ...params]}
        label="CSV"
        testId="alerts-export-csv"
      />
    </span>
  );
}
