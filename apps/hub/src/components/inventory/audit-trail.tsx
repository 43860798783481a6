import type { NhiAuditEntry, RealmMember } from '@nhi/nhi';
import { InstantCell } from '../shared/instant-cell.tsx';
import { TableScroll } from '../shared/table-scroll.tsx';
import { actorLabel } from './actor-label.ts';

function changedKeys(entry: NhiAuditEntry): string {
  const after = entry.after && typeof entry.after === 'object' ? Object.keys(entry.after) : [];
  const before = entry.before && typeof entry.before === 'object' ? Object.keys(entry.before) : [];
  const keys = [...new Set([...before, ...after])];
  return keys.length > 0 ? keys.join(', ') : '—';
}

/** Every recorded action on the identity and its credentials, newest first. */
export function AuditTrail({ audit, members }: { audit: NhiAuditEntry[]; members: RealmMember[] }) {
  return (
    <section className="card" aria-labelledby="audit-title" data-testid="nhi-audit">
      <div className="card-heading">
        <h2 id="audit-title">Audit trail</h2>
        <span className="hint">Times in UTC</span>
      </div>
      {audit.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <TableScroll label="Audit trail table">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">On</th>
                <th scope="col">Fields</th>
                <th scope="col">Request</th>
              </tr>
            </thead>
            <tbody>
              {audit.map((entry) => (
                <tr key={entry.id} data-testid="audit-entry" data-action={entry.action}>
                  <td>
                    <InstantCell instant={entry.createdAt} empty="—" />
                  </td>
                  <td>{actorLabel(entry.actor, members)}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td>{entry.entityType}</td>
                  <td className="wrap">{changedKeys(entry)}</td>
                  <td>
                    <code title={entry.requestId ?? undefined}>{entry.requestId?.slice(0, 8) ?? '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
