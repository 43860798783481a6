import type { SourceView } from '@nhi/scanner/schema';
import { useState } from 'react';
import { deleteSource, listSourceEvents } from '../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { EditSourceForm } from './edit-source-form.tsx';
import { receivesEvents, type SourceEvents, SourceEventsPanel } from './source-events.tsx';

/** Edit and delete for one source, in its row: the form opens in place, deleting asks first. */
export function SourceActions({ source, onChanged }: { source: SourceView; onChanged: () => Promise<void> }) {
  const [mode, setMode] = useState<'idle' | 'editing' | 'confirming' | 'events'>('idle');
  const [events, setEvents] = useState<SourceEvents>([]);
  const { pending, error, run } = usePendingAction();

  return (
    <div className="stack">
      {mode === 'idle' ? (
        <div className="row-actions">
          <button
            type="button"
            className="button secondary small"
            onClick={() => setMode('editing')}
            data-testid="edit-source"
          >
            Edit
          </button>
          {receivesEvents(source.type) ? (
            <button
              type="button"
              className="button secondary small"
              disabled={pending}
              onClick={() =>
                run(
                  () => listSourceEvents({ data: { id: source.id } }),
                  (list) => {
                    setEvents(list);
                    setMode('events');
                  },
                )
              }
              data-testid="source-events-open"
            >
              Events
            </button>
          ) : null}
          <button
            type="button"
            className="button danger small"
            onClick={() => setMode('confirming')}
            data-testid="delete-source"
          >
            Delete
          </button>
        </div>
      ) : null}
      {mode === 'events' ? (
        <>
          <SourceEventsPanel source={source} events={events} />
          <div>
            <button type="button" className="button secondary small" onClick={() => setMode('idle')}>
              Close
            </button>
          </div>
        </>
      ) : null}
      {mode === 'editing' ? (
        <>
          <EditSourceForm
            source={source}
            onSaved={async () => {
              setMode('idle');
              await onChanged();
            }}
          />
          <div>
            <button type="button" className="button secondary small" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </div>
        </>
      ) : null}
      {mode === 'confirming' ? (
        <InlineConfirm
          question={
            <>
              Delete “{source.name}” with its scans, findings and leaks? The identities it found stay in the
              inventory.
            </>
          }
          confirmLabel="Delete source"
          pendingLabel="Deleting…"
          pending={pending}
          onConfirm={() => run(() => deleteSource({ data: { id: source.id } }), onChanged)}
          onCancel={() => setMode('idle')}
          testId="confirm-delete-source"
        />
      ) : null}
      <AlertMessage message={error} />
    </div>
  );
}
