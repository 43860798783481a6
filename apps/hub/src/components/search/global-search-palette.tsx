// Loaded on demand (React.lazy) the first time the search opens: cmdk stays out of every page's
// first load.
import type { SearchHit, SearchHitKind, SearchResults } from '@nhi/dashboard/search';
import { useRouter } from '@tanstack/react-router';
import { Command } from 'cmdk';
import { useEffect, useRef, useState } from 'react';
import { errorMessageOf } from '../../lib/server-fn-error.ts';
import { globalSearch } from '../../server/functions/search.functions.ts';
import { ModalDialog } from '../shared/modal-dialog.tsx';

/** Typing pauses this long before a search goes out: a word typed at speed asks once. */
const debounceMs = 150;
const minLength = 2;

const groupTitles: Record<SearchHitKind, string> = {
  page: 'Pages',
  identity: 'Identities',
  alert: 'Alerts',
  source: 'Sources',
};
const kinds = Object.keys(groupTitles) as SearchHitKind[];

type Answer =
  | { state: 'idle' }
  | { state: 'done'; results: SearchResults }
  | { state: 'failed'; message: string };

/**
 * The answer to the text as typed: asked `debounceMs` after the last keystroke; an answer to any
 * text but the latest (a slow reply overtaken by a faster one) is dropped.
 */
function useSearch(text: string): { answer: Answer; pending: boolean } {
  const [answer, setAnswer] = useState<Answer>({ state: 'idle' });
  const [pending, setPending] = useState(false);
  const latest = useRef('');
  const q = text.trim();
  useEffect(() => {
    latest.current = q;
    if (q.length < minLength) {
      setAnswer({ state: 'idle' });
      setPending(false);
      return;
    }
    setPending(true);
    const timer = setTimeout(() => {
      globalSearch({ data: { q } }).then(
        (results) => {
          if (latest.current !== results.q) return;
          setAnswer({ state: 'done', results });
          setPending(false);
        },
        (failure: unknown) => {
          if (latest.current !== q) return;
          setAnswer({ state: 'failed', message: errorMessageOf(failure) });
          setPending(false);
        },
      );
    }, debounceMs);
    return () => clearTimeout(timer);
  }, [q]);
  return { answer, pending };
}

/** Opens a hit's page through the router, which writes the realm into the address. */
function useOpenHit(onDone: () => void) {
  const router = useRouter();
  return async (hit: SearchHit) => {
    onDone();
    switch (hit.kind) {
      case 'identity':
        await router.navigate({ to: '/inventory/$id', params: { id: hit.id } });
        return;
      case 'alert':
        await router.navigate({ to: '/alerts/$id', params: { id: hit.id } });
        return;
      case 'source':
        await router.navigate({ to: '/scans', search: { sourceId: hit.id } });
        return;
      case 'page':
        // The server lists the app's own paths only.
        await router.navigate({ to: hit.id as '/' });
    }
  };
}

function HitGroup({
  kind,
  hits,
  onSelect,
}: {
  kind: SearchHitKind;
  hits: SearchHit[];
  onSelect: (hit: SearchHit) => void;
}) {
  if (hits.length === 0) return null;
  return (
    <Command.Group heading={groupTitles[kind]} className="global-search-group">
      {hits.map((hit) => (
        <Command.Item
          key={`${hit.kind}:${hit.id}`}
          value={`${hit.kind}:${hit.id}`}
          onSelect={() => onSelect(hit)}
          className="global-search-hit"
          data-testid="global-search-hit"
          data-kind={hit.kind}
        >
          <span className="global-search-label">{hit.label}</span>
          <span className="global-search-detail">{hit.detail}</span>
        </Command.Item>
      ))}
    </Command.Group>
  );
}

function Status({ text, answer, pending }: { text: string; answer: Answer; pending: boolean }) {
  if (text.trim().length < minLength)
    return <p className="hint global-search-status">Type two characters or more.</p>;
  if (answer.state === 'failed')
    return (
      <p role="alert" className="error global-search-status">
        {answer.message}
      </p>
    );
  if (pending)
    return (
      <p className="hint global-search-status" aria-live="polite">
        Searching…
      </p>
    );
  if (answer.state === 'done' && answer.results.hits.length === 0)
    return (
      <p className="hint global-search-status" aria-live="polite">
        Nothing matches “{answer.results.q}”.
      </p>
    );
  return null;
}

/**
 * The search palette: pages, identities, alerts and sources of the realm, grouped by kind. Arrow
 * keys move, Enter opens, Escape closes. The server filters and orders: cmdk only navigates.
 */
export default function GlobalSearchPalette({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const [text, setText] = useState('');
  const { answer, pending } = useSearch(text);
  const openHit = useOpenHit(() => onOpenChange(false));
  const hits = answer.state === 'done' ? answer.results.hits : [];
  return (
    <ModalDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Search"
      testId="global-search"
      className="global-search"
    >
      <Command label="Search pages, identities, alerts and sources" shouldFilter={false} loop>
        <Command.Input
          value={text}
          onValueChange={setText}
          placeholder="Search pages, identities, alerts, sources…"
          className="global-search-input"
          data-testid="global-search-input"
        />
        <Status text={text} answer={answer} pending={pending} />
        <Command.List className="global-search-list">
          {kinds.map((kind) => (
            <HitGroup
              key={kind}
              kind={kind}
              hits={hits.filter((hit) => hit.kind === kind)}
              onSelect={openHit}
            />
          ))}
        </Command.List>
      </Command>
    </ModalDialog>
  );
}
