import { createRootRouteWithContext, HeadContent, Outlet, ScriptOnce, Scripts } from '@tanstack/react-router';
import { type ReactNode, useEffect } from 'react';
import { SkipLink } from '../components/shared/skip-link.tsx';
import designSystem from '../design-system.css?url';
import identityPage from '../identity-page.css?url';
import type { RealmOfPage } from '../lib/realm-url.ts';
import { applyStoredThemeScript } from '../lib/theme.ts';
import { contentSecurityPolicy } from '../server/http/security-headers.ts';
import stylesheet from '../styles.css?url';

/** What every route can read: the realm the page shows, which the router writes into links. */
export interface RouterContext {
  realmOfPage: RealmOfPage;
}

export const Route = createRootRouteWithContext<RouterContext>()({
  headers: ({ ssr }) =>
    ssr?.nonce ? { 'Content-Security-Policy': contentSecurityPolicy(ssr.nonce) } : undefined,
  head: () => ({
    meta: [
      { charSet: 'utf-8' },
      { name: 'viewport', content: 'width=device-width, initial-scale=1' },
      { title: 'NHI Hub' },
    ],
    links: [
      { rel: 'stylesheet', href: stylesheet },
      { rel: 'stylesheet', href: designSystem },
      { rel: 'stylesheet', href: identityPage },
      { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
    ],
  }),
  component: RootDocument,
});

function RootDocument(): ReactNode {
  // Until React has hydrated, a form submits natively and drops what was typed; scripted clients
  // (browser tests, accessibility tooling) wait for this mark before they interact.
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true';
  }, []);
  return (
    // The head script sets data-theme before hydration; the server cannot know it.
    <html lang="en" suppressHydrationWarning>
      <head>
        <ScriptOnce>{applyStoredThemeScript}</ScriptOnce>
        <HeadContent />
      </head>
      <body>
        <SkipLink />
        <Outlet />
        <Scripts />
      </body>
    </html>
  );
}
