import { getRouteApi } from '@tanstack/react-router';

const authenticated = getRouteApi('/_authenticated');

/**
 * Names the caller's scope in a page header ("Scope: Payments") when their grants reach only some
 * teams' identities: the page's lists and figures are of those teams. Nothing for a caller who
 * sees the whole realm.
 */
export function ScopeNote() {
  const { session } = authenticated.useRouteContext();
  const groups = session.scope?.groups ?? [];
  if (groups.length === 0) return null;
  return (
    <p className="scope-note" data-testid="page-scope">
      <span className="badge">Scope: {groups.map((group) => group.name).join(', ')}</span>{' '}
      <span className="muted">
        Only the identities of {groups.length === 1 ? 'this team' : 'these teams'} are shown.
      </span>
    </p>
  );
}
