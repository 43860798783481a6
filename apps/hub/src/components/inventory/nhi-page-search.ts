export const nhiTabs = ['overview', 'alerts', 'timeline', 'access'] as const;
export type NhiTab = (typeof nhiTabs)[number];

/** The identity page's URL search: the tab shown, and the one rule whose alerts a risk factor asks for. */
export interface NhiPageSearch {
  tab?: NhiTab;
  rule?: string;
}

/** A plain function: zod in the browser probes eval, which the content security policy forbids. */
export function nhiPageSearchOf(search: Record<string, unknown>): NhiPageSearch {
  const tab = nhiTabs.find((name) => name === search.tab && name !== 'overview');
  const rule =
    tab === 'alerts' && typeof search.rule === 'string' && /^[a-z0-9_.-]{1,100}$/i.test(search.rule)
      ? search.rule
      : undefined;
  return { ...(tab ? { tab } : {}), ...(rule ? { rule } : {}) };
}
