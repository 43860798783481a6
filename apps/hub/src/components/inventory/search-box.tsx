import { useEffect, useRef, useState } from 'react';

const debounceMs = 300;

/** Searches as the user types, once typing pauses; Enter searches at once. */
export function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  const latest = useRef(onSearch);
  latest.current = onSearch;
  // What this box last asked for: the URL catching up with it must not undo newer keystrokes.
  const sent = useRef(value);

  useEffect(() => {
    // The URL changed from elsewhere (a cleared filter, the back button): show what it says.
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);

  const search = (q: string) => {
    sent.current = q;
    latest.current(q);
  };

  useEffect(() => {
    const q = text.trim();
    if (q === sent.current.trim()) return;
    const timer = setTimeout(() => {
      sent.current = q;
      latest.current(q);
    }, debounceMs);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <search className="search-box">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          search(text.trim());
        }}
      >
        <label className="visually-hidden" htmlFor="inventory-search">
          Search name, external id or description
        </label>
        <input
          id="inventory-search"
          type="search"
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder="Search name, external id, description…"
          maxLength={200}
          autoComplete="off"
          data-testid="inventory-search"
        />
      </form>
    </search>
  );
}
