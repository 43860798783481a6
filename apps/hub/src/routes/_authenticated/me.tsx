import { createFileRoute, useRouter } from '@tanstack/react-router';
import { ChangePasswordForm } from '../../components/account/change-password-form.tsx';
import { SessionList } from '../../components/account/session-list.tsx';
import { mySessions } from '../../server/functions/account.functions.ts';
import { whoami } from '../../server/functions/whoami.functions.ts';

export const Route = createFileRoute('/_authenticated/me')({
  head: () => ({ meta: [{ title: 'Profile · NHI Hub' }] }),
  // One after the other: the embedded database serves one transaction at a time.
  loader: async () => ({ me: await whoami(), sessions: await mySessions() }),
  component: ProfilePage,
});

function ProfilePage() {
  const { me, sessions } = Route.useLoaderData();
  const router = useRouter();
  return (
    <div className="stack">
      <WhoAmI me={me} />
      <ChangePasswordForm onChanged={() => router.invalidate()} />
      <SessionList sessions={sessions} />
      <section className="card stack" aria-labelledby="mfa-title" data-testid="mfa-section">
        <h2 id="mfa-title">Two-factor authentication</h2>
        <p className="muted">A second factor keeps your account safe when your password is not.</p>
        {/* A plain link: the settings page is a route of its own, owned by the MFA settings. */}
        <a href="/me/mfa" data-testid="mfa-settings-link">
          Two-factor authentication settings
        </a>
      </section>
    </div>
  );
}

function WhoAmI({ me }: { me: Awaited<ReturnType<typeof whoami>> }) {
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
