import { createRootRoute, HeadContent, Outlet, Scripts } from '@tanstack/react-router';
import { type ReactNode, useEffect } from 'react';
import { contentSecurityPolicy } from '../server/http/security-headers.ts';
import stylesheet from '../styles.css?url';

export const Route = createRootRoute({
  headers: ({ ssr }) =>
    ssr?.nonce ? { 'Content-Security-Policy': contentSecurityPolicy(ssr.nonce) } : undefined,
  head: () => ({
    meta: [
      { charSet: 'utf-8' },
      { name: 'viewport', content: 'width=device-width, initial-scale=1' },
      { title: 'NHI Hub' },
    ],
    links: [{ rel: 'stylesheet', href: stylesheet }],
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
    <html lang="en">
      <head>
        <HeadContent />
      </head>
      <body>
        <Outlet />
        <Scripts />
      </body>
    </html>
  );
}
