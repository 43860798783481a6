/**
 * Page URLs carry the realm they show (ADR 0036): `/r/<realm>/inventory` is the inventory of
 * `<realm>`. Route files keep their paths (`/inventory`): the router strips the prefix on the way
 * in and adds the realm of the page on the way out, so links stay written once.
 */

// The shape realm slugs are created with (platform's realm-admin writes).
const prefixShape = /^\/r\/([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)(?=\/|$)/;

// Pages outside any realm: before login, invitations, and the identity provider's callbacks.
const realmlessPages = [/^\/login(?:\/|$)/, /^\/invite\//, /^\/auth\//];

/** The realm a page path names, if it names one. */
export function realmOfPath(pathname: string): string | undefined {
  return prefixShape.exec(pathname)?.[1];
}

/** The path the routes know: the realm prefix taken off (`/r/demo` is the dashboard, `/`). */
export function withoutRealm(pathname: string): string {
  const match = prefixShape.exec(pathname);
  if (!match) return pathname;
  return pathname.slice(match[0].length) || '/';
}

/** The public path of a page in `realm`; realmless pages and already prefixed paths stay as they are. */
export function withRealm(pathname: string, realm: string | undefined): string {
  if (!realm || realmOfPath(pathname) || realmlessPages.some((page) => page.test(pathname))) return pathname;
  return pathname === '/' ? `/r/${realm}` : `/r/${realm}${pathname}`;
}

/** Which realm the router writes into the links it builds: the realm of the page shown. */
export interface RealmOfPage {
  slug: string | undefined;
}

/** The router's rewrite pair over one page's realm (one router per server render, one per tab). */
export function realmRewrite(page: RealmOfPage) {
  return {
    input: ({ url }: { url: URL }) => {
      // An address that names a realm is a page of that realm: links built from here on carry it
      // (the router also rebuilds the address it was asked for, and must get the same one back).
      const realm = realmOfPath(url.pathname);
      if (realm) page.slug = realm;
      url.pathname = withoutRealm(url.pathname);
      return url;
    },
    output: ({ url }: { url: URL }) => {
      url.pathname = withRealm(url.pathname, page.slug);
      return url;
    },
  };
}

/**
 * The path after login: only a page of this hub (a path, not `//host` or a scheme), so a crafted
 * login link cannot send the browser elsewhere.
 */
export function safeNextPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\'))
    return undefined;
  if (/^\/login(?:[/?#]|$)/.test(next)) return undefined;
  return next;
}
