import type { ReactNode } from 'react';

/**
 * A table that may be wider than the screen scrolls inside this region instead of widening the page.
 * It takes focus so a keyboard can scroll it too, and is named for the list it holds.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must be reachable by keyboard to be scrolled
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
