import { Link } from '@tanstack/react-router';
import { SeverityBadge } from './alert-badges.tsx';
import { type AlertSearch, firstAlertPage } from './alert-search.ts';

export interface AlertGroupView {
  key: string | null;
  label: string;
  count: number;
  worstSeverity: string;
}

/**
 * The matching alerts counted per rule or per identity; each group links to the list filtered to
 * it, with the other filters kept.
 */
export function AlertGroupsTable({
  by,
  groups,
  truncated,
  search,
}: {
  by: 'rule' | 'identity';
  groups: AlertGroupView[];
  truncated: boolean;
  search: AlertSearch;
}) {
  const filterFor = (key: string | null): AlertSearch =>
    firstAlertPage({
      ...search,
      group: undefined,
      ...(by === 'rule' ? { rule: key ?? undefined } : { nhi: key ?? undefined }),
    });
  return (
    <div className="table-scroll">
      <table className="table" data-testid="alert-groups" data-by={by}>
        <thead>
          <tr>
            <th>{by === 'rule' ? 'Rule' : 'Identity'}</th>
            <th>Worst</th>
            <th className="numeric">Alerts</th>
          </tr>
        </thead>
        <tbody>
          {groups.length === 0 ? (
            <tr>
              <td colSpan={3} className="muted">
                No alerts match.
              </td>
            </tr>
          ) : null}
          {groups.map((group) => (
            <tr key={group.key ?? 'none'} data-testid="alert-group-row" data-key={group.key ?? ''}>
              <td>
                {group.key ? (
                  <Link to="/alerts" search={filterFor(group.key)}>
                    {group.label}
                  </Link>
                ) : (
                  <span className="muted">{group.label}</span>
                )}
              </td>
              <td>
                <SeverityBadge severity={group.worstSeverity} />
              </td>
              <td className="numeric" data-testid="alert-group-count">
                {group.count}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {truncated ? (
        <p className="muted">Only the largest groups are listed; narrow the filters for the rest.</p>
      ) : null}
    </div>
  );
}
