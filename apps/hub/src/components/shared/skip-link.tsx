import type { MouseEvent } from 'react';

/** The element every page's main content carries, which the skip link moves focus to. */
export const contentId = 'content';

/**
 * The first thing a keyboard reaches: past the header and its navigation, straight to the page.
 * Focus is moved by script so the address keeps no fragment; without script the fragment does it.
 */
export function SkipLink() {
  function onClick(event: MouseEvent<HTMLAnchorElement>) {
    const target = document.getElementById(contentId);
    if (!target) return;
    event.preventDefault();
    target.focus();
    target.scrollIntoView();
  }
  return (
    <a className="skip-link" href={`#${contentId}`} onClick={onClick} data-testid="skip-link">
      Skip to content
    </a>
  );
}
