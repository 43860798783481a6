import type { NhiDetail, OwnerGroup, RealmMember } from '@nhi/nhi';
import { ModalDialog } from '../shared/modal-dialog.tsx';
import { displayValue, fieldLabel } from './field-display.ts';
import type { NhiChanges } from './nhi-schema.ts';

/** What a stale update answers (CONFLICT): the version now saved and what changed since ours. */
export interface NhiConflict {
  currentVersion: number;
  changedFields: string[];
  /** Crossed the wire as JSON: dates are strings here. */
  current: NhiDetail;
}

export function conflictOf(details: Record<string, unknown> | undefined): NhiConflict | null {
  if (!details || typeof details.currentVersion !== 'number' || !Array.isArray(details.changedFields))
    return null;
  return details as unknown as NhiConflict;
}

function savedValue(current: NhiDetail, field: string): unknown {
  if (field === 'ownerUserId') return current.owner?.id ?? null;
  if (field === 'ownerGroupId') return current.ownerGroup?.id ?? null;
  return (current as unknown as Record<string, unknown>)[field];
}

/**
 * Someone saved this identity since it was loaded. Shows their values next to ours and lets the
 * user take theirs (reload) or keep ours (overwrite), knowingly.
 */
export function ConflictDialog({
  conflict,
  mine,
  members,
  groups = [],
  pending,
  onReload,
  onOverwrite,
}: {
  conflict: NhiConflict;
  mine: NhiChanges;
  members: RealmMember[];
  /** The realm's groups, to name an owner group rather than show its id. */
  groups?: OwnerGroup[];
  pending: boolean;
  onReload: () => void;
  onOverwrite: () => void;
}) {
  const fields = [...new Set([...conflict.changedFields, ...Object.keys(mine)])];

  return (
    <ModalDialog
      open
      // Escape or a click outside means "not now": the safe choice is to look at their version.
      onOpenChange={(open) => {
        if (!open && !pending) onReload();
      }}
      title="Someone else changed this identity"
      testId="conflict-dialog"
      className="conflict-dialog"
    >
      <div className="stack">
        <p>
          It is now at version <strong data-testid="conflict-version">{conflict.currentVersion}</strong>.
          Compare before you save:
        </p>
        <div className="table-scroll">
          <table className="table" data-testid="conflict-fields">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Saved now</th>
                <th scope="col">Your edit</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((field) => {
                const theirs = conflict.changedFields.includes(field);
                const ours = field in mine;
                return (
                  <tr
                    key={field}
                    data-testid="conflict-field"
                    data-field={field}
                    className={theirs && ours ? 'clash' : undefined}
                  >
                    <th scope="row">
                      {fieldLabel[field] ?? field}
                      {theirs && ours ? <span className="badge badge-expiring">both changed</span> : null}
                    </th>
                    <td>
                      {displayValue(field, savedValue(conflict.current, field), members, groups)}
                      {theirs ? null : <span className="muted"> (unchanged)</span>}
                    </td>
                    <td>
                      {ours ? (
                        displayValue(field, mine[field as keyof NhiChanges], members, groups)
                      ) : (
                        <span className="muted">not edited</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p className="hint">
          Reload discards your edit and shows the saved version. Overwrite saves your edited fields over it.
        </p>
        <div className="dialog-actions">
          <button
            type="button"
            className="button secondary"
            onClick={onReload}
            disabled={pending}
            data-testid="conflict-reload"
          >
            Reload
          </button>
          <button
            type="button"
            className="button danger"
            onClick={onOverwrite}
            disabled={pending}
            data-testid="conflict-overwrite"
          >
            {pending ? 'Saving…' : 'Overwrite'}
          </button>
        </div>
      </div>
    </ModalDialog>
  );
}
