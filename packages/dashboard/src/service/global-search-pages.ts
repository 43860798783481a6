/**
 * The hub's pages a quick search can jump to, each with the permission its data call asks for:
 * a page the caller would be refused is not offered. `words`: other names people type for it.
 */
export interface SearchablePage {
  path: string;
  label: string;
  detail: string;
  permission: string;
  words?: string;
}

export const searchablePages: readonly SearchablePage[] = [
  {
    path: '/',
    label: 'Dashboard',
    detail: 'Headline figures, trends, what to fix first',
    permission: 'dashboard:read',
    words: 'home overview',
  },
  {
    path: '/reports/posture',
    label: 'Posture report',
    detail: 'Printable realm report, PDF and email schedules',
    permission: 'report:read',
    words: 'pdf owasp print',
  },
  {
    path: '/inventory',
    label: 'Inventory',
    detail: 'Every identity of the realm',
    permission: 'nhi:read',
    words: 'identities nhi',
  },
  {
    path: '/inventory/new',
    label: 'New identity',
    detail: 'Add an identity by hand',
    permission: 'nhi:write',
    words: 'create add',
  },
  { path: '/alerts', label: 'Alerts', detail: 'Risks found by the rules', permission: 'alert:read' },
  {
    path: '/alerts/rules',
    label: 'Alert rules',
    detail: 'OWASP NHI Top 10 rules and thresholds',
    permission: 'alert:read',
    words: 'owasp',
  },
  {
    path: '/alerts/channels',
    label: 'Notification channels',
    detail: 'Webhook, Slack and email deliveries',
    permission: 'alert:configure',
    words: 'slack webhook email',
  },
  {
    path: '/sources',
    label: 'Sources',
    detail: 'Where identities are discovered',
    permission: 'source:read',
    words: 'connectors',
  },
  { path: '/scans', label: 'Scans', detail: 'Runs of the sources', permission: 'source:read' },
  {
    path: '/leaks',
    label: 'Leaks',
    detail: 'Leaked secrets found by scans',
    permission: 'leak:read',
    words: 'secrets',
  },
  {
    path: '/policy/groups',
    label: 'Groups',
    detail: 'Access control: the group tree',
    permission: 'policy:read',
    words: 'teams access control',
  },
  {
    path: '/policy/policies',
    label: 'Policies',
    detail: 'Access control: policies',
    permission: 'policy:read',
    words: 'access control',
  },
  {
    path: '/policy/access',
    label: 'Effective access',
    detail: 'Access control: what a member may do, and why',
    permission: 'policy:read',
  },
  {
    path: '/policy/who-can',
    label: 'Who can',
    detail: 'Access control: holders of a permission',
    permission: 'policy:read',
  },
  {
    path: '/policy/audit',
    label: 'Access control audit',
    detail: 'Changes to groups and policies',
    permission: 'policy:read',
    words: 'log history',
  },
  {
    path: '/tokens',
    label: 'API tokens',
    detail: 'Your tokens for the API and the CLI',
    permission: 'token:manage',
    words: 'cli',
  },
  {
    path: '/users',
    label: 'Users',
    detail: 'Members of the realm: invite, roles, removal',
    permission: 'user:manage',
    words: 'members people invite',
  },
  {
    path: '/instances',
    label: 'Instances',
    detail: 'Worker instances and the realms they serve',
    permission: 'instance:read',
    words: 'workers',
  },
  {
    path: '/me',
    label: 'My account',
    detail: 'Who you are, your password and sessions',
    permission: 'account:manage',
    words: 'profile password whoami',
  },
  {
    path: '/me/mfa',
    label: 'Two-factor authentication',
    detail: 'Set up or remove your second factor',
    permission: 'account:manage',
    words: 'mfa totp',
  },
];

/** How well a page's names match: 0 its name starts with the text, 1 its name holds it, 2 the rest does, 3 no match. */
function rankOf(page: SearchablePage, needle: string): number {
  const label = page.label.toLowerCase();
  if (label.startsWith(needle)) return 0;
  if (label.includes(needle)) return 1;
  return `${page.detail}\n${page.words ?? ''}`.toLowerCase().includes(needle) ? 2 : 3;
}

/** Pages the caller may open whose name, description or other names contain `text`, best first. */
export function pagesMatching(text: string, permissions: ReadonlySet<string>): SearchablePage[] {
  const needle = text.toLowerCase();
  return searchablePages
    .filter((page) => permissions.has(page.permission))
    .map((page) => ({ page, rank: rankOf(page, needle) }))
    .filter(({ rank }) => rank < 3)
    .sort((a, b) => a.rank - b.rank)
    .map(({ page }) => page);
}
