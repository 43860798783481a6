import { useRouterState } from '@tanstack/react-router';
import { useState } from 'react';

/**
 * Whether the header's menu is open on a narrow screen. It is open for the page it was opened on,
 * so following a link in it closes it without an effect watching the location.
 */
export function useHeaderMenu() {
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  return { open, toggle: () => setOpenOn(open ? null : pathname), close: () => setOpenOn(null) };
}

/** The disclosure button a narrow screen shows instead of the navigation and the tools. */
export function MenuButton({
  open,
  onToggle,
  controls,
}: {
  open: boolean;
  onToggle: () => void;
  controls: string;
}) {
  return (
    <button
      type="button"
      className="menu-button"
      aria-expanded={open}
      aria-controls={controls}
      onClick={onToggle}
      data-testid="menu-button"
    >
      <span aria-hidden="true" className="menu-icon" />
      Menu
    </button>
  );
}
