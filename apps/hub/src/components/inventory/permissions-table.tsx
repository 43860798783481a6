import { TableScroll } from '../shared/table-scroll.tsx';
import type { NhiPermission } from './nhi-schema.ts';

const text = (value: unknown) =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * One entry in the table's columns. Scanned sources state permissions in their own words: a GitLab
 * token's scopes on its project or group, an Entra application permission on its API, a directory
 * role; those are shown as their action and where they apply.
 */
export function permissionRow(entry: NhiPermission): NhiPermission {
  if (text(entry.action)) return entry;
  const raw = entry as unknown as Record<string, unknown>;
  const scopes = Array.isArray(raw.scopes) ? raw.scopes.filter((scope) => typeof scope === 'string') : [];
  return {
    effect: entry.effect ?? 'allow',
    action: text(raw.permission) ?? text(raw.directoryRole) ?? (scopes.join(', ') || '—'),
    resource:
      text(entry.resource) ?? text(raw.project) ?? text(raw.group) ?? text(raw.repository) ?? text(raw.scope),
    via: text(entry.via) ?? text(raw.accessLevel) ?? text(raw.type),
  };
}

/** What the identity can do, as its source states it. */
export function PermissionsTable({ permissions: entries }: { permissions: NhiPermission[] }) {
  const permissions = entries.map(permissionRow);
  return (
    <section className="card" aria-labelledby="permissions-title" data-testid="nhi-permissions">
      <div className="card-heading">
        <h2 id="permissions-title">Permissions</h2>
        <span className="hint">{permissions.length} entries</span>
      </div>
      {permissions.length === 0 ? (
        <p className="muted">No permissions recorded.</p>
      ) : (
        <TableScroll label="Permissions table">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Effect</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Granted through</th>
              </tr>
            </thead>
            <tbody>
              {permissions.map((permission, index) => (
                // Entries have no id of their own; their order is the source's.
                // biome-ignore lint/suspicious/noArrayIndexKey: see above.
                <tr key={index} className={permission.action === '*' ? 'clash' : undefined}>
                  <td>
                    <span
                      className={`badge ${permission.effect === 'deny' ? 'badge-expired' : 'badge-plain'}`}
                    >
                      {permission.effect}
                    </span>
                  </td>
                  <td>
                    <code>{permission.action}</code>
                  </td>
                  <td className="wrap">{permission.resource ?? <span className="muted">any</span>}</td>
                  <td>{permission.via ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
