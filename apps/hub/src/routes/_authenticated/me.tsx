import { createFileRoute } from '@tanstack/react-router';
import { whoami } from '../../server/functions/whoami.functions.ts';

export const Route = createFileRoute('/_authenticated/me')({
  loader: () => whoami(),
  component: HomePage,
});

function HomePage() {
  const me = Route.useLoaderData();
  return (
    <section className="card" aria-labelledby="whoami-title" data-testid="whoami">
      <h1 id="whoami-title">Who am I</h1>
      <dl className="facts">
        <dt>Email</dt>
        <dd data-testid="whoami-email">{me.principal.email ?? '—'}</dd>
        <dt>Realm</dt>
        <dd>
          <span data-testid="whoami-realm-name">{me.realm.name}</span>{' '}
          <code data-testid="whoami-realm-slug">{me.realm.slug}</code>
        </dd>
        <dt>Role</dt>
        <dd data-testid="whoami-role">{me.role ?? '—'}</dd>
        <dt>Permissions</dt>
        <dd>
          <ul className="permissions" data-testid="whoami-permissions">
            {me.permissions.map((permission) => (
              <li key={permission}>
                <code>{permission}</code>
              </li>
            ))}
          </ul>
        </dd>
      </dl>
    </section>
  );
}
