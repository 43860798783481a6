import { createFileRoute, Link, useRouter } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { NewPasswordFields } from '../../components/account/new-password-fields.tsx';
import { AlertMessage } from '../../components/shared/alert-message.tsx';
import { contentId } from '../../components/shared/skip-link.tsx';
import { errorMessageOf } from '../../lib/server-fn-error.ts';
import { passwordLinkInfo, setPasswordWithLink } from '../../server/functions/password-link.functions.ts';

/** Public: an invitation or password-reset link. Choosing a password uses the link up; then log in. */
export const Route = createFileRoute('/invite/$token')({
  head: () => ({
    meta: [{ title: 'Choose a password · NHI Hub' }, { name: 'referrer', content: 'no-referrer' }],
  }),
  loader: async ({ params }) => {
    try {
      return { link: await passwordLinkInfo({ data: { token: params.token } }), error: null };
    } catch (failure) {
      return { link: null, error: errorMessageOf(failure) };
    }
  },
  component: SetPasswordPage,
});

function SetPasswordPage() {
  const { link, error: linkError } = Route.useLoaderData();
  const { token } = Route.useParams();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      setError('The two passwords differ');
      return;
    }
    setPending(true);
    setError(null);
    try {
      await setPasswordWithLink({ data: { token, password } });
      setDone(true);
    } catch (failure) {
      setError(errorMessageOf(failure));
    } finally {
      setPending(false);
    }
  }

  if (!link) {
    return (
      <main className="login-page" id={contentId} tabIndex={-1}>
        <section className="card login-card" data-testid="password-link-invalid">
          <h1>Link not valid</h1>
          <AlertMessage message={linkError} />
          <Link to="/login">Go to the login page</Link>
        </section>
      </main>
    );
  }
  if (done) {
    return (
      <main className="login-page" id={contentId} tabIndex={-1}>
        <section className="card login-card" data-testid="password-set">
          <h1>Password set</h1>
          <p>You can now log in as {link.email} with your new password.</p>
          <button
            type="button"
            className="button"
            onClick={() => router.navigate({ to: '/login' })}
            data-testid="go-to-login"
          >
            Log in
          </button>
        </section>
      </main>
    );
  }
  return (
    <main className="login-page" id={contentId} tabIndex={-1}>
      <form
        className="card login-card"
        method="post"
        onSubmit={onSubmit}
        aria-labelledby="set-password-title"
        data-testid="set-password-form"
        data-ready={hydrated ? 'true' : 'false'}
      >
        <h1 id="set-password-title">
          {link.purpose === 'invite' ? 'Welcome to NHI Hub' : 'Choose a new password'}
        </h1>
        <p className="muted">
          For <strong data-testid="password-link-email">{link.email}</strong>. At least 12 characters, not
          your email address.
        </p>
        <input type="email" name="username" autoComplete="username" value={link.email} readOnly hidden />
        <NewPasswordFields name="password" repeatLabel="Repeat it" />
        <AlertMessage message={error} testId="set-password-error" />
        <button
          type="submit"
          className="button"
          disabled={!hydrated || pending}
          data-testid="set-password-submit"
        >
          {pending ? 'Saving…' : 'Set password'}
        </button>
      </form>
    </main>
  );
}
