import type { RealmMember } from '@nhi/nhi';
import { type ChangeEvent, type FormEvent, useEffect, useState } from 'react';
import { listSourceNames } from '../../server/functions/scanner.functions.ts';
import { firstPage, type InventorySearch } from './inventory-search.ts';
import { environmentLabel, kindLabel, providerLabel, statusLabel } from './labels.ts';
import { nhiEnvironments, nhiKinds, nhiProviders, nhiStatuses } from './nhi-vocabulary.ts';

type ListKey = 'kind' | 'provider' | 'environment' | 'status' | 'owner' | 'tag' | 'risk' | 'source';

interface Chip {
  key: ListKey | 'olderThan' | 'newerThan' | 'expiring' | 'scan';
  value: string;
  label: string;
}

const olderThanChoices = [30, 90, 180, 365];
const expiringChoices = [7, 30, 60, 90];

function ownerLabel(value: string, members: RealmMember[]): string {
  if (value === 'unowned') return 'Unowned';
  return members.find((member) => member.id === value)?.email ?? 'a former member';
}

interface SourceName {
  id: string;
  name: string;
}

const changeLabel = { added: 'added by', changed: 'changed by', missing: 'missing from' } as const;

/** The realm's scanner sources by name, once the page runs in the browser; none when the caller may not see them. */
function useSourceNames(): SourceName[] {
  const [sources, setSources] = useState<SourceName[]>([]);
  useEffect(() => {
    let current = true;
    listSourceNames()
      .then((list) => {
        if (current) setSources(list);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, []);
  return sources;
}

function scanChip(search: InventorySearch): Chip[] {
  if (!search.scan) return [];
  const what = search.change ? changeLabel[search.change] : 'recorded by';
  return [{ key: 'scan', value: search.scan, label: `Identities ${what} scan ${search.scan.slice(0, 8)}` }];
}

function chipsOf(search: InventorySearch, members: RealmMember[], sources: SourceName[]): Chip[] {
  const list = <K extends ListKey>(key: K, name: string, label: (value: string) => string): Chip[] =>
    (search[key] ?? []).map((value) => ({ key, value, label: `${name}: ${label(value)}` }));
  return [
    ...list('kind', 'Kind', (v) => kindLabel[v as keyof typeof kindLabel] ?? v),
    ...list('provider', 'Provider', (v) => providerLabel[v as keyof typeof providerLabel] ?? v),
    ...list('environment', 'Environment', (v) => environmentLabel[v as keyof typeof environmentLabel] ?? v),
    ...list('status', 'Status', (v) => statusLabel[v as keyof typeof statusLabel] ?? v),
    ...list('owner', 'Owner', (v) => ownerLabel(v, members)),
    ...list('tag', 'Tag', (v) => v),
    ...list('risk', 'Risk', (v) => (v === 'none' ? 'no score' : v)),
    ...list('source', 'Scanner source', (v) => sources.find((s) => s.id === v)?.name ?? v.slice(0, 8)),
    ...scanChip(search),
    ...(search.olderThan === undefined
      ? []
      : [{ key: 'olderThan' as const, value: '', label: `Credential older than ${search.olderThan} days` }]),
    ...(search.newerThan === undefined
      ? []
      : [
          { key: 'newerThan' as const, value: '', label: `Credentials at most ${search.newerThan} days old` },
        ]),
    ...(search.expiring === undefined
      ? []
      : [{ key: 'expiring' as const, value: '', label: `Expiring within ${search.expiring} days` }]),
  ];
}

function without(search: InventorySearch, chip: Chip): InventorySearch {
  if (chip.key === 'scan') return firstPage({ ...search, scan: undefined, change: undefined });
  if (chip.key === 'olderThan' || chip.key === 'newerThan' || chip.key === 'expiring')
    return firstPage({ ...search, [chip.key]: undefined });
  const remaining = (search[chip.key] ?? []).filter((value) => value !== chip.value);
  return firstPage({ ...search, [chip.key]: remaining.length > 0 ? remaining : undefined });
}

function withValue(search: InventorySearch, key: ListKey, value: string): InventorySearch {
  const current: string[] = search[key] ?? [];
  if (current.includes(value)) return search;
  return firstPage({ ...search, [key]: [...current, value] });
}

function AddSelect({
  label,
  options,
  testId,
  onPick,
}: {
  label: string;
  options: { value: string; label: string }[];
  testId: string;
  onPick: (value: string) => void;
}) {
  return (
    <select
      className="filter-add"
      aria-label={`Filter by ${label.toLowerCase()}`}
      value=""
      data-testid={testId}
      onChange={(event: ChangeEvent<HTMLSelectElement>) => {
        if (event.target.value) onPick(event.target.value);
      }}
    >
      <option value="">{label}…</option>
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

/** Filters as removable chips, plus one control per dimension to add more. */
export function FilterBar({
  search,
  members,
  onChange,
}: {
  search: InventorySearch;
  members: RealmMember[];
  /** Given how to change the filters, applied to the latest ones: a change made while an earlier one
   * is still loading builds on it instead of undoing it. */
  onChange: (update: (current: InventorySearch) => InventorySearch) => void;
}) {
  const [tag, setTag] = useState('');
  const sources = useSourceNames();
  const chips = chipsOf(search, members, sources);
  const unownedOnly = search.owner?.length === 1 && search.owner[0] === 'unowned';

  function onAddTag(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = tag.trim();
    if (!value) return;
    onChange((current) => withValue(current, 'tag', value));
    setTag('');
  }

  return (
    <div className="filter-bar" data-testid="filter-bar">
      <fieldset className="filter-quick">
        <legend className="visually-hidden">Quick filters</legend>
        <button
          type="button"
          className="chip-toggle"
          aria-pressed={unownedOnly}
          data-testid="quick-unowned"
          onClick={() =>
            onChange((current) => firstPage({ ...current, owner: unownedOnly ? undefined : ['unowned'] }))
          }
        >
          Unowned
        </button>
        <button
          type="button"
          className="chip-toggle"
          aria-pressed={search.olderThan === 90}
          data-testid="quick-older-90"
          onClick={() =>
            onChange((current) =>
              firstPage({ ...current, olderThan: search.olderThan === 90 ? undefined : 90 }),
            )
          }
        >
          Credentials &gt; 90 days
        </button>
        <button
          type="button"
          className="chip-toggle"
          aria-pressed={search.expiring === 30}
          data-testid="quick-expiring-30"
          onClick={() =>
            onChange((current) =>
              firstPage({ ...current, expiring: search.expiring === 30 ? undefined : 30 }),
            )
          }
        >
          Expiring &lt; 30 days
        </button>
      </fieldset>
      <div className="filter-add-row">
        <AddSelect
          label="Kind"
          testId="filter-kind"
          options={nhiKinds.map((value) => ({ value, label: kindLabel[value] }))}
          onPick={(value) => onChange((current) => withValue(current, 'kind', value))}
        />
        <AddSelect
          label="Provider"
          testId="filter-provider"
          options={nhiProviders.map((value) => ({ value, label: providerLabel[value] }))}
          onPick={(value) => onChange((current) => withValue(current, 'provider', value))}
        />
        <AddSelect
          label="Environment"
          testId="filter-environment"
          options={nhiEnvironments.map((value) => ({ value, label: environmentLabel[value] }))}
          onPick={(value) => onChange((current) => withValue(current, 'environment', value))}
        />
        <AddSelect
          label="Status"
          testId="filter-status"
          options={nhiStatuses.map((value) => ({ value, label: statusLabel[value] }))}
          onPick={(value) => onChange((current) => withValue(current, 'status', value))}
        />
        <AddSelect
          label="Owner"
          testId="filter-owner"
          options={[
            { value: 'unowned', label: 'Unowned' },
            ...members.map((member) => ({ value: member.id, label: member.email })),
          ]}
          onPick={(value) => onChange((current) => withValue(current, 'owner', value))}
        />
        {sources.length > 0 ? (
          <AddSelect
            label="Source"
            testId="filter-source"
            options={sources.map((source) => ({ value: source.id, label: source.name }))}
            onPick={(value) => onChange((current) => withValue(current, 'source', value))}
          />
        ) : null}
        <AddSelect
          label="Credential age"
          testId="filter-older-than"
          options={olderThanChoices.map((days) => ({
            value: String(days),
            label: `Older than ${days} days`,
          }))}
          onPick={(value) => onChange((current) => firstPage({ ...current, olderThan: Number(value) }))}
        />
        <AddSelect
          label="Expiry"
          testId="filter-expiring"
          options={expiringChoices.map((days) => ({
            value: String(days),
            label: `Expiring within ${days} days`,
          }))}
          onPick={(value) => onChange((current) => firstPage({ ...current, expiring: Number(value) }))}
        />
        <form className="filter-tag" onSubmit={onAddTag}>
          <input
            value={tag}
            onChange={(event) => setTag(event.target.value)}
            placeholder="Tag…"
            aria-label="Filter by tag"
            maxLength={64}
            data-testid="filter-tag"
          />
          <button type="submit" className="button secondary small" disabled={!tag.trim()}>
            Add
          </button>
        </form>
      </div>
      {chips.length > 0 ? (
        <ul className="chips" aria-label="Active filters" data-testid="active-filters">
          {chips.map((chip) => (
            <li
              key={`${chip.key}:${chip.value}`}
              className={chip.value === 'unowned' ? 'chip chip-unowned' : 'chip'}
            >
              <span>{chip.label}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove filter ${chip.label}`}
                onClick={() => onChange((current) => without(current, chip))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
