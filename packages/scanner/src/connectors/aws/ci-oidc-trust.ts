import { globExpression } from './action-catalogue.ts';
import type { PolicyFlag } from './iam-policy.ts';
import { policyDocument } from './policy-evaluation.ts';

/**
 * Roles a CI pipeline assumes through OIDC (sts:AssumeRoleWithWebIdentity). The issuer signs a token
 * for every job of every repository it hosts, so the trust policy's condition on the `sub` claim is
 * what limits the role to one organisation's pipelines. GitHub: "Configuring OpenID Connect in Amazon
 * Web Services"; GitLab: "Configure OpenID Connect in AWS"; AWS IAM User Guide, "Available keys for
 * AWS OIDC federation" and "Condition operators" (IfExists, ForAllValues, ForAnyValue).
 */

export type CiProvider = 'github' | 'gitlab';

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

interface SubCondition {
  operator: string;
  key: string;
  values: string[];
}

const listOf = (value: unknown): string[] =>
  value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).map(String);

/** A configured GitLab host as IAM names its OIDC provider: no scheme, no trailing slash, lower case. */
export function oidcHostOf(value: string): string {
  return value
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** `gitlabOidcHosts` of a source's settings: a comma list or an array of self-managed GitLab hosts. */
export function gitlabOidcHostsOf(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value.map(String) : [];
  return list.map(oidcHostOf).filter((host) => host !== '');
}

// GitHub Enterprise Cloud with a unique issuer URL signs as token.actions.githubusercontent.com/<enterprise>.
const githubIssuer = /^token\.actions\.githubusercontent\.com(\/[^/]+)?$/i;

/** The CI issuer of a Federated principal (an IAM OIDC provider ARN), if it is one. */
export function ciIssuerOf(
  federated: string,
  gitlabHosts: readonly string[],
): { provider: CiProvider; issuer: string } | null {
  const issuer = /^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/(.+)$/.exec(federated)?.[1];
  if (!issuer) return null;
  if (githubIssuer.test(issuer)) return { provider: 'github', issuer };
  const host = issuer.toLowerCase();
  if (host === 'gitlab.com' || gitlabHosts.includes(host)) return { provider: 'gitlab', issuer };
  return null;
}

/**
 * The claims a `sub` starts with that name the owner (organisation, user or group), and what ends the
 * owner's name. GitHub's default `repo:<owner>/<repo>:<context>` and the owner claims a customised
 * subject template may start with; GitLab's `project_path:<group>/<project>:ref_type:...`.
 */
const ownerClaims: Record<CiProvider, { claim: string; end: string }[]> = {
  github: [
    { claim: 'repo:', end: '/' },
    { claim: 'repository:', end: '/' },
    { claim: 'repository_owner:', end: ':' },
    { claim: 'repository_owner_id:', end: ':' },
  ],
  gitlab: [
    { claim: 'project_path:', end: '/' },
    { claim: 'namespace_path:', end: ':' },
    { claim: 'namespace_id:', end: ':' },
  ],
};

/**
 * Why a StringLike pattern lets any owner's pipelines through, or null when it names one owner. The
 * owner is named when the literal text before the first wildcard holds the whole owner: `repo:my-org/*`
 * admits the repositories of my-org only, while `repo:*\/my-repo:*` admits my-repo of every owner and
 * `repo:my-org*` admits anyone who registers an organisation called my-org-something.
 */
export function openSubjectPattern(provider: CiProvider, pattern: string): string | null {
  const wildcard = pattern.search(/[*?]/);
  if (wildcard < 0) return null;
  const literal = pattern.slice(0, wildcard);
  for (const { claim, end } of ownerClaims[provider]) {
    if (claim.startsWith(literal))
      return `"${pattern}" begins with a wildcard where the owner is named: every repository satisfies it`;
    if (literal.startsWith(claim)) {
      if (literal.slice(claim.length).includes(end)) return null;
      return `"${pattern}" names only the start of the owner: anyone may register an owner it matches`;
    }
  }
  // A pattern of another shape matches no subject the issuer signs with an owner in it: it opens nothing.
  return null;
}

const negated = /^String(Not)(Equals|Like)/i;

/** Why one operator on the sub key does not limit the role to one owner, or null when it does. */
function whySubIsOpen(provider: CiProvider, condition: SubCondition): string | null {
  const { operator, values } = condition;
  if (/^ForAllValues:/i.test(operator))
    return `${operator} is true when the token carries no such claim, and AWS advises against set operators on the single-valued sub`;
  if (/IfExists$/i.test(operator)) return `${operator} is true when the token carries no such claim`;
  const base = operator.replace(/^ForAnyValue:/i, '');
  if (negated.test(base)) return `${operator} in an Allow admits every subject it does not name`;
  if (/^StringEquals(IgnoreCase)?$/i.test(base))
    return values.length > 0 ? null : `${operator} lists no subject`;
  if (/^StringLike$/i.test(base)) {
    if (values.length === 0) return `${operator} lists no subject`;
    for (const value of values) {
      const reason = openSubjectPattern(provider, value);
      if (reason) return reason;
    }
    return null;
  }
  return `${operator} does not compare the subject with a repository`;
}

const webIdentity = (statement: Statement) =>
  listOf(statement.Action).some((action) =>
    globExpression(action, 'i').test('sts:AssumeRoleWithWebIdentity'),
  );

function federatedOf(statement: Statement): string[] {
  if (statement.Principal === '*') return ['*'];
  return listOf((statement.Principal as Record<string, unknown> | undefined)?.Federated);
}

function subConditions(statement: Statement, subKey: string): SubCondition[] {
  const conditions: SubCondition[] = [];
  for (const [operator, entries] of Object.entries((statement.Condition ?? {}) as Record<string, unknown>))
    for (const [key, values] of Object.entries((entries ?? {}) as Record<string, unknown>))
      if (key.toLowerCase() === subKey) conditions.push({ operator, key, values: listOf(values) });
  return conditions;
}

/**
 * A Deny that refuses every subject outside named owners closes an open Allow: its only condition is
 * a negated match on sub (plain or IfExists, true when the claim is absent too) whose patterns each
 * name one owner, or it has no condition at all.
 */
function deniesOtherOwners(statement: Statement, provider: CiProvider, subKey: string): boolean {
  const entries = Object.entries((statement.Condition ?? {}) as Record<string, Record<string, unknown>>);
  if (entries.length === 0) return true;
  return entries.every(([operator, keys]) => {
    if (!/^StringNot(Equals|Like)(IgnoreCase)?(IfExists)?$/i.test(operator)) return false;
    return Object.entries(keys ?? {}).every(
      ([key, values]) =>
        key.toLowerCase() === subKey &&
        listOf(values).length > 0 &&
        listOf(values).every((value) => openSubjectPattern(provider, value) === null),
    );
  });
}

/** `aws.ci_oidc_trust_without_subject` for each statement trusting a CI issuer any repository satisfies. */
export function flagCiOidcTrust(document: unknown, gitlabHosts: readonly string[]): PolicyFlag[] {
  const raw = policyDocument(document).Statement;
  const statements = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as Statement[];
  const denies = statements.filter((statement) => statement.Effect === 'Deny' && webIdentity(statement));
  const flags: PolicyFlag[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow' || !webIdentity(statement)) continue;
    for (const federated of federatedOf(statement)) {
      const ci = ciIssuerOf(federated, gitlabHosts);
      if (!ci) continue;
      const subKey = `${ci.issuer}:sub`.toLowerCase();
      const conditions = subConditions(statement, subKey);
      const reasons = conditions.map((condition) => whySubIsOpen(ci.provider, condition));
      // Operators on one key are all required: a single one naming one owner limits the statement.
      if (conditions.length > 0 && reasons.some((reason) => reason === null)) continue;
      const closed = denies.some(
        (deny) =>
          federatedOf(deny).some((principal) => principal === '*' || principal === federated) &&
          deniesOtherOwners(deny, ci.provider, subKey),
      );
      if (closed) continue;
      flags.push({
        kind: 'aws.ci_oidc_trust_without_subject',
        subject: `trust policy|${federated}`,
        evidence: {
          provider: ci.provider,
          issuer: ci.issuer,
          condition: conditions.length > 0 ? conditions : null,
          reason:
            conditions.length === 0
              ? `no condition on ${ci.issuer}:sub: every repository the issuer signs for may assume the role`
              : reasons.join('; '),
          statement: JSON.parse(JSON.stringify(statement)) as unknown,
        },
      });
    }
  }
  return flags;
}
