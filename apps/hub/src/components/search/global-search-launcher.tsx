import { lazy, Suspense, useEffect, useState } from 'react';

const GlobalSearchPalette = lazy(() => import('./global-search-palette.tsx'));

/** Whether a key press asks for the search: Cmd-K on a Mac, Ctrl-K elsewhere. */
function isSearchShortcut(event: KeyboardEvent): boolean {
  return (
    (event.metaKey || event.ctrlKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k'
  );
}

/**
 * The header's search button and the Cmd/Ctrl-K shortcut. The palette's code loads the first time
 * it opens (or the pointer rests on the button), then stays mounted so it reopens at once; a realm
 * switch starts it afresh, since the hits it holds belong to the realm it searched.
 */
export function GlobalSearchLauncher({ realm }: { realm: string }) {
  const [open, setOpen] = useState(false);
  const [wanted, setWanted] = useState(false);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isSearchShortcut(event)) return;
      event.preventDefault();
      setWanted(true);
      setOpen((was) => !was);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
  return (
    <>
      <button
        type="button"
        className="button secondary global-search-button"
        onClick={() => {
          setWanted(true);
          setOpen(true);
        }}
        onPointerEnter={() => setWanted(true)}
        onFocus={() => setWanted(true)}
        aria-keyshortcuts="Control+K Meta+K"
        data-testid="global-search-button"
      >
        Search <kbd>Ctrl K</kbd>
      </button>
      {wanted ? (
        <Suspense fallback={null}>
          <GlobalSearchPalette key={realm} open={open} onOpenChange={setOpen} />
        </Suspense>
      ) : null}
    </>
  );
}
