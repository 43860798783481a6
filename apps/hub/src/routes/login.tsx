import type { TotpEnrolment as Enrolment } from '@nhi/platform';
import { createFileRoute, redirect, useRouter } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { RecoveryCodes } from '../components/mfa/recovery-codes.tsx';
import { type SecondFactorAnswer, SecondFactorForm } from '../components/mfa/second-factor-form.tsx';
import { TotpEnrolment } from '../components/mfa/totp-enrolment.tsx';
import { AlertMessage } from '../components/shared/alert-message.tsx';
import { contentId } from '../components/shared/skip-link.tsx';
import { realmOfPath, safeNextPath } from '../lib/realm-url.ts';
import { errorMessageOf } from '../lib/server-fn-error.ts';
import { listMyRealms } from '../server/functions/realm.functions.ts';
import {
  login,
  loginEnrolmentBegin,
  loginEnrolmentConfirm,
  loginOptions,
  loginSecondFactor,
} from '../server/functions/session.functions.ts';

/** After the password: a code (the account has TOTP), enrolment (a realm requires it), its recovery codes. */
type SecondStep =
  | { kind: 'verify'; challenge: string }
  | { kind: 'enrol'; challenge: string; enrolment: Enrolment }
  | { kind: 'codes'; codes: string[] };

interface LoginSearch {
  local?: boolean;
  /** The page that sent here (a deep link opened while logged out): where to go once in. */
  next?: string;
}

// `?local=1` shows the password form when password login is off: the break-glass way in.
function loginSearchOf(search: Record<string, unknown>): LoginSearch {
  const next = safeNextPath(search.next);
  return {
    ...(search.local === 1 || search.local === '1' || search.local === true ? { local: true } : {}),
    ...(next ? { next } : {}),
  };
}

export const Route = createFileRoute('/login')({
  head: () => ({ meta: [{ title: 'Log in · NHI Hub' }] }),
  validateSearch: loginSearchOf,
  beforeLoad: async ({ context, search }) => {
    // No realm until someone is in: links from here are written without one.
    context.realmOfPage.slug = undefined;
    // Someone already logged in has nothing to do here.
    const session = await listMyRealms().catch(() => null);
    if (session && search.next) {
      context.realmOfPage.slug = realmOfPath(search.next);
      throw redirect({ href: search.next });
    }
    if (session) throw redirect({ to: '/' });
  },
  loader: () => loginOptions(),
  component: LoginPage,
});

function LoginPage() {
  const { providers, localLogin } = Route.useLoaderData();
  const { local, next } = Route.useSearch();
  const showPasswordForm = localLogin || local === true || providers.length === 0;
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Until the page is interactive the form must not submit natively: that would be a
  // request to this page, not a login.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [step, setStep] = useState<SecondStep | null>(null);

  async function enter() {
    await router.invalidate();
    // The router writes the realm of the page into the address: the one the link named.
    router.options.context.realmOfPage.slug = next ? realmOfPath(next) : undefined;
    if (next) await router.navigate({ href: next });
    else await router.navigate({ to: '/' });
  }

  /** Runs one step; a failure shows its message and leaves the step as it was. */
  async function attempt(action: () => Promise<void>) {
    setPending(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(errorMessageOf(failure));
    }
    setPending(false);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await attempt(async () => {
      const result = await login({
        data: { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') },
      });
      if (!('secondFactor' in result)) return enter();
      const { purpose, challenge } = result.secondFactor;
      if (purpose === 'verify') return setStep({ kind: 'verify', challenge });
      const enrolment = await loginEnrolmentBegin({ data: { challenge } });
      setStep({ kind: 'enrol', challenge, enrolment });
    });
  }

  if (step?.kind === 'verify') {
    const onCode = (answer: SecondFactorAnswer) =>
      attempt(async () => {
        await loginSecondFactor({ data: { challenge: step.challenge, ...answer } });
        await enter();
      });
    return (
      <main className="login-page" id={contentId} tabIndex={-1}>
        <SecondFactorForm error={error} pending={pending} onSubmit={onCode} />
      </main>
    );
  }
  if (step?.kind === 'enrol') {
    const onConfirm = (code: string) =>
      attempt(async () => {
        const confirmed = await loginEnrolmentConfirm({ data: { challenge: step.challenge, code } });
        setStep({ kind: 'codes', codes: confirmed.recoveryCodes });
      });
    return (
      <main className="login-page" id={contentId} tabIndex={-1}>
        <p className="hint" data-testid="mfa-enrol-required">
          One of your realms requires two-factor authentication: set it up to continue.
        </p>
        <TotpEnrolment enrolment={step.enrolment} error={error} pending={pending} onConfirm={onConfirm} />
      </main>
    );
  }
  if (step?.kind === 'codes') {
    return (
      <main className="login-page" id={contentId} tabIndex={-1}>
        <RecoveryCodes codes={step.codes} onDone={enter} />
      </main>
    );
  }

  return (
    <main className="login-page" id={contentId} tabIndex={-1}>
      {providers.length > 0 && (
        <section className="card login-card" aria-labelledby="sso-title" data-testid="sso-options">
          <h1 id="sso-title">{showPasswordForm ? 'Sign in with' : 'Log in to NHI Hub'}</h1>
          {providers.map((provider) => (
            // A full navigation: the provider's page is not part of this app.
            <a
              key={provider.id}
              className="button"
              href={`/auth/oidc/${encodeURIComponent(provider.id)}/start${next ? `?next=${encodeURIComponent(next)}` : ''}`}
              data-testid={`sso-${provider.id}`}
            >
              Sign in with {provider.name}
            </a>
          ))}
          {!showPasswordForm && (
            <a className="login-local-link" href="/login?local=1" data-testid="login-local-link">
              Administrator login with a password
            </a>
          )}
        </section>
      )}
      {showPasswordForm && (
        <form
          className="card login-card"
          method="post"
          onSubmit={onSubmit}
          aria-labelledby="login-title"
          data-testid="login-form"
          data-ready={hydrated ? 'true' : 'false'}
        >
          <h1 id="login-title">Log in to NHI Hub</h1>
          <label className="field">
            <span>Email</span>
            <input name="email" type="email" autoComplete="username" required data-testid="login-email" />
          </label>
          <label className="field">
            <span>Password</span>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              data-testid="login-password"
            />
          </label>
          <AlertMessage message={error} testId="login-error" />
          <button type="submit" className="button" disabled={!hydrated || pending} data-testid="login-submit">
            {pending ? 'Logging in…' : 'Log in'}
          </button>
        </form>
      )}
    </main>
  );
}
