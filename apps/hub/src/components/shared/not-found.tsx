import { Link } from '@tanstack/react-router';

/**
 * What a page shows for an address that names nothing here: an unknown path, or a record that
 * does not exist in the current realm (deleted, mistyped, or another realm's). The server
 * answers such a page with 404.
 */
export function NotFound() {
  return (
    <div className="card stack" data-testid="not-found">
      <h1>Not found</h1>
      <p>Nothing here: the address may be mistyped, or the record was removed or belongs to another realm.</p>
      <p>
        <Link to="/">Back to the dashboard</Link>
      </p>
    </div>
  );
}
