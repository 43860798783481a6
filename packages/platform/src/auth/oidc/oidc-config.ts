import fs from 'node:fs';
import { z } from 'zod';
import type { BuiltInRole } from '../permissions.ts';

/** One rule of a provider's claim mapping: members of `group` get `role` in `realm`, and the policy group. */
export interface OidcClaimRule {
  group: string;
  realm: string;
  role?: BuiltInRole;
  /** A policy group of the realm, by path (`/Security/Oncall`). */
  policyGroup?: string;
}

export interface OidcProviderConfig {
  /** Lower-case slug; part of the callback path and of the environment variables' names. */
  id: string;
  /** Label of the login button. */
  name: string;
  issuer: string;
  clientId: string;
  /** Unset: a public client (PKCE alone). */
  clientSecret?: string;
  scopes: string;
  groupsClaim: string;
  /** Link an existing local account with the same email, when the provider says the email is verified. */
  allowEmailLinking: boolean;
  map: OidcClaimRule[];
}

const providerId = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

const ruleSchema = z
  .object({
    group: z.string().min(1),
    realm: z.string().min(1),
    role: z.enum(['admin', 'editor', 'viewer']).optional(),
    policyGroup: z
      .string()
      .regex(/^\/[^/]+(\/[^/]+)*$/, 'must be a group path such as /Security/Oncall')
      .optional(),
  })
  .strict()
  .refine(
    (rule) => rule.role !== undefined || rule.policyGroup !== undefined,
    'needs a role or a policyGroup',
  );

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** The variable prefix of a provider: `entra-prod` → `NHI_OIDC_ENTRA_PROD_`. */
export function oidcEnvPrefix(id: string): string {
  return `NHI_OIDC_${id.toUpperCase().replaceAll('-', '_')}_`;
}

/**
 * The providers named by NHI_OIDC_PROVIDERS, each from its NHI_OIDC_<ID>_* variables. Returns the
 * problems instead of throwing, so that loadConfig reports them with every other one.
 */
export function parseOidcProviders(env: Record<string, string | undefined>): {
  providers: OidcProviderConfig[];
  problems: string[];
} {
  const ids = (env.NHI_OIDC_PROVIDERS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const problems: string[] = [];
  const providers: OidcProviderConfig[] = [];
  for (const id of new Set(ids)) {
    if (!providerId.test(id)) {
      problems.push(`  NHI_OIDC_PROVIDERS: "${id}" must be a short slug: a-z, 0-9 and -`);
      continue;
    }
    const parsed = parseProvider(id, env);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else providers.push(parsed.provider);
  }
  if (ids.length !== new Set(ids).size) problems.push('  NHI_OIDC_PROVIDERS: names a provider twice');
  return { providers, problems };
}

function parseProvider(
  id: string,
  env: Record<string, string | undefined>,
): { provider: OidcProviderConfig } | { problems: string[] } {
  const prefix = oidcEnvPrefix(id);
  const read = (name: string) => {
    const value = env[`${prefix}${name}`];
    return value === undefined || value === '' ? undefined : value;
  };
  const problems: string[] = [];
  const problem = (name: string, message: string) => problems.push(`  ${prefix}${name}: ${message}`);

  const issuer = read('ISSUER');
  if (!issuer) problem('ISSUER', 'required (the provider’s issuer URL)');
  else if (!isIssuerUrl(issuer)) problem('ISSUER', 'must be an https:// URL (http:// only on loopback)');
  const clientId = read('CLIENT_ID');
  if (!clientId) problem('CLIENT_ID', 'required');
  const clientSecret = secretOf(read('CLIENT_SECRET'), read('CLIENT_SECRET_FILE'), (message) =>
    problem('CLIENT_SECRET', message),
  );
  const linking = booleanText.safeParse(read('ALLOW_EMAIL_LINKING') ?? 'false');
  if (!linking.success) problem('ALLOW_EMAIL_LINKING', 'must be true or false');
  const map = parseMap(read('MAP'), (message) => problem('MAP', message));
  const scopes = read('SCOPES') ?? 'openid email profile';
  if (!scopes.split(/\s+/).includes('openid')) problem('SCOPES', 'must include openid');

  if (problems.length > 0 || !issuer || !clientId || !linking.success) return { problems };
  return {
    provider: {
      id,
      name: read('NAME') ?? id,
      issuer,
      clientId,
      ...(clientSecret ? { clientSecret } : {}),
      scopes,
      groupsClaim: read('GROUPS_CLAIM') ?? 'groups',
      allowEmailLinking: linking.data,
      map,
    },
  };
}

/** https, or http on a loopback address (a provider on the same machine, as in tests). */
export function isIssuerUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The secret itself, or the contents of the file named by `*_FILE` (a mounted secret), not both. */
function secretOf(
  value: string | undefined,
  file: string | undefined,
  report: (message: string) => void,
): string | undefined {
  if (value && file) {
    report('set either the variable or its _FILE form, not both');
    return undefined;
  }
  if (!file) return value;
  try {
    const content = fs.readFileSync(file, 'utf8').trim();
    if (content === '') report('the file named by _FILE is empty');
    return content || undefined;
  } catch {
    report('the file named by _FILE cannot be read');
    return undefined;
  }
}

function parseMap(text: string | undefined, report: (message: string) => void): OidcClaimRule[] {
  if (text === undefined) return [];
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    report('must be a JSON list of rules');
    return [];
  }
  const parsed = z.array(ruleSchema).safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    report(
      `rule ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`.replace('rule : ', 'rule: '),
    );
    return [];
  }
  return parsed.data.map((rule) => ({
    group: rule.group,
    realm: rule.realm,
    ...(rule.role ? { role: rule.role } : {}),
    ...(rule.policyGroup ? { policyGroup: rule.policyGroup } : {}),
  }));
}
