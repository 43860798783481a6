import { triageShortcuts } from './use-triage-keys.ts';

/** The list's keyboard shortcuts; "?" or Escape closes it. */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="shortcut-help" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcut-help">
      <h2 className="card-heading">Keyboard shortcuts</h2>
      <dl>
        {triageShortcuts.map((shortcut) => (
          <div key={shortcut.keys} className="shortcut-row">
            <dt>
              <kbd>{shortcut.keys}</kbd>
            </dt>
            <dd>{shortcut.does}</dd>
          </div>
        ))}
      </dl>
      <p className="muted">Keys do nothing while you type in a field.</p>
      <button type="button" className="button small" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
