import { type FormEvent, useEffect, useState } from 'react';
import {
  type AlertSearch,
  alertSortKeys,
  alertStateChoices,
  firstAlertPage,
  nhiEnvironments,
  nhiProviders,
  owaspIds,
  severityChoices,
  sortLabels,
} from './alert-search.ts';

export interface AlertFilterChoices {
  rules: { id: string; title: string }[];
  owners: { id: string; email: string }[];
  teams: { id: string; name: string }[];
  sources: { id: string; name: string }[];
}

interface Option {
  value: string;
  label: string;
}

const plain = (values: readonly string[]): Option[] => values.map((value) => ({ value, label: value }));

/** The allowed values a comma-joined choice names; none is no filter. */
function picked<T extends string>(allowed: readonly T[], value: string | undefined): T[] | undefined {
  const values = allowed.filter((option) => value?.split(',').includes(option));
  return values.length ? values : undefined;
}

/** A labelled select of the bar; the empty choice means "no filter" and a change applies at once. */
function BarSelect({
  label,
  testId,
  value,
  options,
  emptyLabel = 'All',
  onChange,
  children,
}: {
  label: string;
  testId: string;
  value: string | undefined;
  options?: Option[];
  emptyLabel?: string | null;
  onChange: (value: string | undefined) => void;
  children?: React.ReactNode;
}) {
  return (
    <label className="triage-field">
      <span>{label}</span>
      <select
        data-testid={testId}
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value || undefined)}
      >
        {emptyLabel === null ? null : <option value="">{emptyLabel}</option>}
        {options?.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
        {children}
      </select>
    </label>
  );
}

/** The identity name search applies on Enter or when the field is left, not on every key. */
function IdentitySearch({ value, onApply }: { value?: string; onApply: (text: string | undefined) => void }) {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  const apply = (event?: FormEvent) => {
    event?.preventDefault();
    const next = text.trim() || undefined;
    if (next !== value) onApply(next);
  };
  return (
    <form className="triage-field" onSubmit={apply}>
      <label htmlFor="alert-identity-search">Identity</label>
      <input
        id="alert-identity-search"
        type="search"
        placeholder="Name contains…"
        value={text}
        data-testid="alert-identity-search"
        onChange={(e) => setText(e.target.value)}
        onBlur={() => apply()}
      />
    </form>
  );
}

/**
 * Every filter of the alert list, its sort and grouping, in a compact grid of small controls that
 * apply on change; all of it lives in the URL.
 */
export function AlertFilterBar({
  search,
  choices,
  onChange,
}: {
  search: AlertSearch;
  choices: AlertFilterChoices;
  /** Given how to change the page's search as it is then: two quick changes both apply. */
  onChange: (change: (current: AlertSearch) => AlertSearch) => void;
}) {
  const set = (change: Partial<AlertSearch>) =>
    onChange((current) => firstAlertPage({ ...current, ...change }));
  const owner = search.owner ? `user:${search.owner}` : search.team ? `team:${search.team}` : undefined;
  const filtered = Boolean(
    search.state ||
      search.severity ||
      search.owasp ||
      search.rule ||
      search.owner ||
      search.team ||
      search.environment ||
      search.provider ||
      search.source ||
      search.nhi ||
      search.identity,
  );
  return (
    <div className="triage-bar" data-testid="alert-filter-bar">
      <BarSelect
        label="State"
        testId="alert-state-filter"
        value={search.state}
        emptyLabel="Queue (open, acknowledged)"
        options={alertStateChoices.map((state) => ({
          value: state,
          label: state === 'all' ? 'Any state' : state,
        }))}
        onChange={(state) => set({ state: alertStateChoices.find((s) => s === state) })}
      />
      <BarSelect
        label="Severity"
        testId="alert-severity-filter"
        value={search.severity}
        options={plain(severityChoices)}
        onChange={(severity) => set({ severity: severityChoices.find((s) => s === severity) })}
      />
      <BarSelect
        label="OWASP"
        testId="alert-owasp-filter"
        value={search.owasp}
        options={plain(owaspIds)}
        onChange={(owasp) => set({ owasp: owaspIds.find((s) => s === owasp) })}
      />
      <BarSelect
        label="Rule"
        testId="alert-rule-filter"
        value={search.rule}
        options={choices.rules.map((rule) => ({ value: rule.id, label: rule.title }))}
        onChange={(rule) => set({ rule })}
      />
      <BarSelect
        label="Owner"
        testId="alert-owner-filter"
        value={owner}
        onChange={(value) =>
          set({
            owner: value?.startsWith('user:') ? value.slice(5) : undefined,
            team: value?.startsWith('team:') ? value.slice(5) : undefined,
          })
        }
      >
        {search.owner && !choices.owners.some((o) => o.id === search.owner) ? (
          <option value={`user:${search.owner}`}>a former member</option>
        ) : null}
        <optgroup label="People">
          {choices.owners.map((o) => (
            <option key={o.id} value={`user:${o.id}`}>
              {o.email}
            </option>
          ))}
        </optgroup>
        {choices.teams.length > 0 ? (
          <optgroup label="Teams">
            {choices.teams.map((t) => (
              <option key={t.id} value={`team:${t.id}`}>
                {t.name}
              </option>
            ))}
          </optgroup>
        ) : null}
      </BarSelect>
      <BarSelect
        label="Environment"
        testId="alert-environment-filter"
        value={search.environment?.join(',')}
        options={[
          ...(search.environment && search.environment.length > 1
            ? [{ value: search.environment.join(','), label: search.environment.join(', ') }]
            : []),
          ...plain(nhiEnvironments),
        ]}
        onChange={(value) => set({ environment: picked(nhiEnvironments, value) })}
      />
      <BarSelect
        label="Provider"
        testId="alert-provider-filter"
        value={search.provider?.join(',')}
        options={[
          ...(search.provider && search.provider.length > 1
            ? [{ value: search.provider.join(','), label: search.provider.join(', ') }]
            : []),
          ...plain(nhiProviders),
        ]}
        onChange={(value) => set({ provider: picked(nhiProviders, value) })}
      />
      <BarSelect
        label="Source"
        testId="alert-source-filter"
        value={search.source?.join(',')}
        options={[
          ...(search.source && search.source.length > 1
            ? [{ value: search.source.join(','), label: `${search.source.length} sources` }]
            : []),
          ...choices.sources.map((s) => ({ value: s.id, label: s.name })),
        ]}
        onChange={(value) => set({ source: value ? value.split(',') : undefined })}
      />
      <IdentitySearch value={search.identity} onApply={(identity) => set({ identity })} />
      <BarSelect
        label="Sort by"
        testId="alert-sort"
        value={search.sort ?? 'changed'}
        emptyLabel={null}
        options={alertSortKeys.map((key) => ({ value: key, label: sortLabels[key] }))}
        onChange={(sort) => set({ sort: alertSortKeys.find((k) => k === sort), order: undefined })}
      />
      <BarSelect
        label="Order"
        testId="alert-order"
        value={search.order}
        emptyLabel="Natural"
        options={[
          { value: 'desc', label: 'Descending' },
          { value: 'asc', label: 'Ascending' },
        ]}
        onChange={(order) => set({ order: order === 'asc' || order === 'desc' ? order : undefined })}
      />
      <BarSelect
        label="Group by"
        testId="alert-group"
        value={search.group}
        emptyLabel="No grouping"
        options={[
          { value: 'rule', label: 'Rule' },
          { value: 'identity', label: 'Identity' },
        ]}
        onChange={(group) => set({ group: group === 'rule' || group === 'identity' ? group : undefined })}
      />
      {search.nhi ? (
        <p className="triage-note" data-testid="alert-nhi-filter">
          One identity{' '}
          <button type="button" className="link-button" onClick={() => set({ nhi: undefined })}>
            show all
          </button>
        </p>
      ) : null}
      {filtered ? (
        <button
          type="button"
          className="button small triage-clear"
          data-testid="alert-filters-clear"
          onClick={() => onChange(({ sort, order, group }) => ({ sort, order, group }))}
        >
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
