import { useEffect, useRef } from 'react';

/** The list's shortcuts, as the help shows them. */
export const triageShortcuts = [
  { keys: 'j / k', does: 'Select the next / previous alert' },
  { keys: 'Enter', does: 'Open the selected alert' },
  { keys: 'x', does: 'Tick or untick the selected alert (acts on ticked alerts)' },
  { keys: 'a', does: 'Acknowledge' },
  { keys: 'r', does: 'Resolve' },
  { keys: 's', does: 'Suppress (with a reason and an expiry)' },
  { keys: '?', does: 'Show or hide this help' },
] as const;

export type TriageKey =
  | 'next'
  | 'previous'
  | 'open'
  | 'toggle'
  | 'acknowledge'
  | 'resolve'
  | 'suppress'
  | 'help'
  | 'close';

const keyMap: Record<string, TriageKey> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'previous',
  ArrowUp: 'previous',
  Enter: 'open',
  x: 'toggle',
  a: 'acknowledge',
  r: 'resolve',
  s: 'suppress',
  '?': 'help',
  Escape: 'close',
};

/** Typing in a field keeps every key; a focused link, button or box keeps Enter (and Space) for itself. */
function ownsKey(target: EventTarget | null, key: TriageKey): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest('textarea, select')) return true;
  const input = target.closest('input');
  if (input && input.type !== 'checkbox' && input.type !== 'radio') return true;
  return key === 'open' && Boolean(target.closest('a, button, input'));
}

/**
 * Single-key shortcuts on the page, ignored while typing and with a modifier held (the browser's
 * and the system's own shortcuts stay theirs). Enter on a focused link or button stays theirs too.
 */
export function useTriageKeys(onKey: (key: TriageKey) => void, enabled = true) {
  const handler = useRef(onKey);
  handler.current = onKey;
  useEffect(() => {
    if (!enabled) return;
    const listener = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      const key = keyMap[event.key];
      if (!key) return;
      if (ownsKey(event.target, key)) return;
      event.preventDefault();
      handler.current(key);
    };
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, [enabled]);
}
