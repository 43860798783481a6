import type { MyRealm, MyRealms } from '@nhi/platform';
import { Link, useRouter } from '@tanstack/react-router';
import { type ChangeEvent, useState } from 'react';
import { errorCodeOf, errorMessageOf } from '../lib/server-fn-error.ts';
import { switchRealm } from '../server/functions/realm.functions.ts';
import { logout } from '../server/functions/session.functions.ts';
import { MenuButton, useHeaderMenu } from './header-menu.tsx';
import { GlobalSearchLauncher } from './search/global-search-launcher.tsx';
import { ThemeToggle } from './shared/theme-toggle.tsx';

/** A realm whose instance is not answering stays selectable, marked in words as well as by title. */
function RealmOption({ realm }: { realm: MyRealm }) {
  const label = `${realm.name} (${realm.role})`;
  if (realm.available) return <option value={realm.slug}>{label}</option>;
  return (
    <option
      value={realm.slug}
      title={`Instance ${realm.instance} is not answering: this realm is unavailable`}
      data-available="false"
    >
      {label} (unavailable)
    </option>
  );
}

/**
 * Where a realm switch goes: the same page when it names no record (`/policy/audit`), else the
 * list it belongs to (`/inventory/<id>` goes to `/inventory`).
 */
function samePageElsewhere(router: ReturnType<typeof useRouter>): string {
  const { pathname } = router.state.location;
  const namesRecord = router.matchRoutes(pathname).some((match) => Object.keys(match.params).length > 0);
  if (!namesRecord) return pathname;
  const [, first] = pathname.split('/');
  return first ? `/${first}` : '/';
}

export function AppHeader({ session }: { session: MyRealms }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const menu = useHeaderMenu();

  async function onRealmChange(event: ChangeEvent<HTMLSelectElement>) {
    setBusy(true);
    setError(null);
    const slug = event.target.value;
    try {
      // Remembered as the realm the next login lands in.
      await switchRealm({ data: { slug } });
      // The same part of the app in the other realm: a record of this realm has no page there.
      router.options.context.realmOfPage.slug = slug;
      await router.navigate({ href: samePageElsewhere(router) });
    } catch (failure) {
      // The session ended elsewhere (logged out in another tab, expired): log in again.
      if (errorCodeOf(failure) === 'UNAUTHENTICATED') await router.navigate({ to: '/login' });
      else setError(errorMessageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  async function onLogout() {
    setBusy(true);
    let redirectTo: string | undefined;
    try {
      ({ redirectTo } = await logout());
    } catch {
      // Logged out already, or the hub is unreachable: the login page is where to go either way.
    }
    // A session an identity provider started ends there too; it sends the browser back to /login.
    if (redirectTo) {
      window.location.assign(redirectTo);
      return;
    }
    await router.navigate({ to: '/login' });
    await router.invalidate();
  }

  return (
    <header className="app-header" data-menu-open={menu.open}>
      <div className="header-start">
        <span className="brand">NHI Hub</span>
        <MenuButton open={menu.open} onToggle={menu.toggle} controls="main-nav header-tools" />
        <nav className="main-nav" id="main-nav" aria-label="Main">
          <Link to="/" activeOptions={{ exact: true, includeSearch: false }} data-testid="nav-dashboard">
            Dashboard
          </Link>
          <Link to="/inventory" data-testid="nav-inventory">
            Inventory
          </Link>
          <Link to="/alerts" data-testid="nav-alerts">
            Alerts
          </Link>
          <Link to="/sources" data-testid="nav-sources">
            Sources
          </Link>
          <Link to="/scans" data-testid="nav-scans">
            Scans
          </Link>
          <Link to="/leaks" data-testid="nav-leaks">
            Leaks
          </Link>
          <Link to="/policy/groups" data-testid="nav-policy">
            Access control
          </Link>
          <Link to="/tokens" data-testid="nav-tokens">
            API tokens
          </Link>
          {session.realms.find((realm) => realm.slug === session.current)?.role === 'admin' ? (
            <Link to="/users" data-testid="nav-users">
              Users
            </Link>
          ) : null}
          {session.mayReadInstances ? (
            <Link to="/instances" data-testid="nav-instances">
              Instances
            </Link>
          ) : null}
        </nav>
      </div>
      <div className="header-tools" id="header-tools">
        <GlobalSearchLauncher realm={session.current} />
        <label className="realm-switcher">
          <span>Realm</span>
          <select
            data-testid="realm-switcher"
            value={session.current}
            onChange={onRealmChange}
            disabled={busy || session.realms.length < 2}
          >
            {session.realms.map((realm) => (
              <RealmOption key={realm.slug} realm={realm} />
            ))}
          </select>
        </label>
        <span className="user" data-testid="current-user">
          <Link to="/me" data-testid="nav-whoami" title="Who am I">
            {session.email}
          </Link>
        </span>
        <ThemeToggle />
        <button
          type="button"
          className="button secondary"
          onClick={onLogout}
          disabled={busy}
          data-testid="logout"
        >
          Log out
        </button>
      </div>
      {error ? (
        <p role="alert" className="error header-error">
          {error}
        </p>
      ) : null}
    </header>
  );
}
