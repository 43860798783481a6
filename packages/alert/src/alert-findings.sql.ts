import { type RealmTx, type Sql, sql } from '@nhi/platform';

/** What one evaluation covers: the whole realm, or these NHIs (and what shares a secret with them). */
export type EvaluationScope = { all: true } | { all: false; nhiIds: readonly string[] };

export interface FindingParameters {
  realmId: string;
  now: Date;
  /** Enabled rule ids. */
  enabled: readonly string[];
  /** Scanner fact kind -> rule id, for the enabled fact-based rules. */
  factRules: Record<string, string>;
  thresholds: {
    unusedDays: number;
    graceDays: number;
    ageDays: number;
    criticalAgeDays: number;
    /** Whether the critical age rule is on: the high one then stops at its threshold. */
    criticalAgeEnabled: boolean;
    withinDays: number;
  };
}

/**
 * The common table expressions `scoped` … `found` that compute every finding of the enabled rules
 * over the active NHIs of `nhis` (a FROM item aliased n: the realm's "Nhi", or a scope joined to it),
 * set-based whatever their number. A finding's fingerprint is `<rule_id>:<subject>` (credential,
 * NHI or scanner subject), the stable key of its alert; two rows of `found` may share one (a
 * password credential and a scanner fact both say "console password"), the first one counts.
 * Facts about no NHI (scanner subjects) are read only when the whole realm is evaluated.
 *
 * Rules skip deleted and inactive NHIs and every credential that is not active. Timestamps are
 * stored as UTC without zone, so `now` travels as an ISO string cast to timestamp.
 */
export function findingsSql(p: FindingParameters, nhis: Sql, all: boolean): Sql {
  const on = JSON.stringify(p.enabled);
  const now = p.now.toISOString();
  const t = p.thresholds;
  const factRules = JSON.stringify(p.factRules);
  return sql`
    scoped AS (
      SELECT n.id, n."realmId", n.name, n."ownerUserId", n."ownerGroupId", n.environment
      FROM ${nhis}
      WHERE n."realmId" = ${p.realmId} AND n."deletedAt" IS NULL AND n.status = 'active'
    ),
    creds AS (
      SELECT c.id, c."nhiId", c.kind, c.fingerprint, c.hint, c."lastUsedAt", c."expiresAt",
        coalesce(c."lastRotatedAt", c."providerCreatedAt", c."createdAt") AS since,
        coalesce(c."providerCreatedAt", c."createdAt") AS created, n.environment
      FROM "Credential" AS c JOIN scoped AS n ON n.id = c."nhiId"
      WHERE c."realmId" = ${p.realmId} AND c.status = 'active'
    ),
    -- Leaks matching a credential in scope, by its id or by its fingerprint (two index-friendly joins).
    leak_hits AS (
      SELECT c.id AS credential_id, l.id, l.file, l.line, l.commit, l.rule, l."maskedMatch", l."firstSeenAt"
      FROM creds AS c JOIN "Leak" AS l ON l."realmId" = ${p.realmId} AND l.fingerprint = c.fingerprint
      UNION
      SELECT c.id, l.id, l.file, l.line, l.commit, l.rule, l."maskedMatch", l."firstSeenAt"
      FROM creds AS c JOIN "Leak" AS l ON l."realmId" = ${p.realmId} AND l."credentialId" = c.id
    ),
    -- Every active holder, anywhere in the realm, of a secret some credential in scope has (for
    -- the whole realm: every holder, read in one pass instead of one lookup per secret)…
    holders AS (
      SELECT c2.fingerprint, c2."nhiId", n2.name, n2.environment
      FROM "Credential" AS c2 JOIN "Nhi" AS n2 ON n2.id = c2."nhiId"
      WHERE c2."realmId" = ${p.realmId} AND c2.status = 'active' AND n2."realmId" = ${p.realmId}
        AND n2."deletedAt" IS NULL AND n2.status = 'active' AND c2.fingerprint IS NOT NULL
        ${all ? sql`` : sql`AND c2.fingerprint IN (SELECT fingerprint FROM creds WHERE fingerprint IS NOT NULL)`}
    ),
    -- …and the credentials in scope whose secret another NHI holds too, with that NHI: the few
    -- shared secrets are found first, so the full pass never pairs every credential with itself.
    sharing AS (
      SELECT c1.id, c1.environment, f."nhiId", f.name, f.environment AS other_environment
      FROM creds AS c1 JOIN holders AS f ON f.fingerprint = c1.fingerprint
      WHERE f."nhiId" <> c1."nhiId" AND c1.fingerprint IN (
        SELECT fingerprint FROM holders GROUP BY fingerprint HAVING count(DISTINCT "nhiId") > 1)
    ),
    found (rule_id, nhi_id, credential_id, subject, evidence) AS (
      SELECT 'nhi1.unowned', n.id, NULL::text, n.id, jsonb_build_object('nhi', n.name)
      FROM scoped AS n
      WHERE ${on}::jsonb @> '["nhi1.unowned"]' AND n."ownerUserId" IS NULL AND n."ownerGroupId" IS NULL
      UNION ALL
      SELECT 'nhi1.owner_inactive', n.id, NULL, n.id, jsonb_build_object(
        'ownerUserId', n."ownerUserId",
        'reason', CASE WHEN m."userId" IS NULL THEN 'no longer a member of the realm' ELSE 'account disabled' END)
      FROM scoped AS n
      LEFT JOIN "RealmMembership" AS m ON m."realmId" = n."realmId" AND m."userId" = n."ownerUserId"
      LEFT JOIN "User" AS u ON u.id = m."userId"
      WHERE ${on}::jsonb @> '["nhi1.owner_inactive"]' AND n."ownerUserId" IS NOT NULL
        AND (m."userId" IS NULL OR u."disabledAt" IS NOT NULL)
      UNION ALL
      SELECT 'nhi1.unused', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'lastUsedAt', c."lastUsedAt", 'thresholdDays', ${t.unusedDays}::int)
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi1.unused"]'
        AND c."lastUsedAt" < ${now}::timestamp - make_interval(days => ${t.unusedDays}::int)
      UNION ALL
      SELECT 'nhi1.never_used', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'createdAt', c.created, 'graceDays', ${t.graceDays}::int)
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi1.never_used"]' AND c."lastUsedAt" IS NULL
        AND c.created < ${now}::timestamp - make_interval(days => ${t.graceDays}::int)
      UNION ALL
      SELECT 'nhi2.leaked_secret', c."nhiId", c.id, c.id, jsonb_build_object(
        'hint', c.hint, 'leaks', leaks.found, 'firstFoundAt', leaks.first_found)
      FROM creds AS c
      JOIN (
        SELECT hit.credential_id, min(hit."firstSeenAt") AS first_found,
          jsonb_agg(jsonb_build_object('file', hit.file, 'line', hit.line, 'commit', hit.commit,
            'rule', hit.rule, 'match', hit."maskedMatch") ORDER BY hit."firstSeenAt", hit.id) AS found
        FROM leak_hits AS hit GROUP BY hit.credential_id
      ) AS leaks ON leaks.credential_id = c.id
      WHERE ${on}::jsonb @> '["nhi2.leaked_secret"]'
      UNION ALL
      SELECT 'nhi7.credential_age', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'since', c.since, 'thresholdDays', ${t.ageDays}::int)
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi7.credential_age"]'
        AND c.since < ${now}::timestamp - make_interval(days => ${t.ageDays}::int)
        AND NOT (${t.criticalAgeEnabled}::boolean
          AND c.since < ${now}::timestamp - make_interval(days => ${t.criticalAgeDays}::int))
      UNION ALL
      SELECT 'nhi7.credential_age_critical', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'since', c.since, 'thresholdDays', ${t.criticalAgeDays}::int)
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi7.credential_age_critical"]'
        AND c.since < ${now}::timestamp - make_interval(days => ${t.criticalAgeDays}::int)
      UNION ALL
      SELECT 'nhi7.no_expiry', c."nhiId", c.id, c.id, jsonb_build_object('hint', c.hint)
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi7.no_expiry"]' AND c."expiresAt" IS NULL
      UNION ALL
      SELECT 'nhi7.expired_active', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'expiresAt', c."expiresAt")
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi7.expired_active"]' AND c."expiresAt" <= ${now}::timestamp
      UNION ALL
      SELECT 'nhi7.expiring_soon', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'expiresAt', c."expiresAt", 'withinDays', ${t.withinDays}::int)
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi7.expiring_soon"]' AND c."expiresAt" > ${now}::timestamp
        AND c."expiresAt" <= ${now}::timestamp + make_interval(days => ${t.withinDays}::int)
      UNION ALL
      SELECT 'nhi8.cross_environment_secret', c."nhiId", c.id, c.id, jsonb_build_object(
        'hint', c.hint, 'environment', c.environment, 'alsoIn', other.found)
      FROM creds AS c
      JOIN (
        SELECT s.id, jsonb_agg(DISTINCT jsonb_build_object('nhiId', s."nhiId", 'nhi', s.name,
          'environment', s.other_environment)) AS found
        FROM sharing AS s
        WHERE s.other_environment <> s.environment AND s.other_environment <> 'unknown'
        GROUP BY s.id
      ) AS other ON other.id = c.id
      WHERE ${on}::jsonb @> '["nhi8.cross_environment_secret"]' AND c.environment <> 'unknown'
      UNION ALL
      SELECT 'nhi9.shared_secret', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'sharedWith', other.found)
      FROM creds AS c
      JOIN (
        SELECT s.id, jsonb_agg(DISTINCT jsonb_build_object('nhiId', s."nhiId", 'nhi', s.name)) AS found
        FROM sharing AS s
        GROUP BY s.id
      ) AS other ON other.id = c.id
      WHERE ${on}::jsonb @> '["nhi9.shared_secret"]'
      UNION ALL
      SELECT 'nhi10.interactive_login', c."nhiId", c.id, c.id,
        jsonb_build_object('hint', c.hint, 'lastUsedAt', c."lastUsedAt")
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi10.interactive_login"]' AND c.kind = 'password'
        AND c."lastUsedAt" IS NOT NULL
      UNION ALL
      SELECT 'nhi4.console_password', c."nhiId", NULL, c."nhiId",
        jsonb_build_object('facts', jsonb_build_array(jsonb_build_object('kind', 'inventory.password_credential', 'hint', c.hint)))
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi4.console_password"]' AND c.kind = 'password'
      UNION ALL
      SELECT rule.value, n.id, NULL, n.id, jsonb_build_object('facts', jsonb_agg(
          jsonb_build_object('kind', f.kind, 'subject', f.subject, 'evidence', f.evidence) ORDER BY f.kind, f.subject))
      FROM "ScanFact" AS f
      JOIN jsonb_each_text(${factRules}::jsonb) AS rule ON rule.key = f.kind
      JOIN scoped AS n ON n.id = f."nhiId"
      WHERE f."realmId" = ${p.realmId}
      GROUP BY rule.value, n.id
      UNION ALL
      SELECT rule.value, NULL, NULL, f."sourceId" || '|' || f.subject,
        jsonb_build_object('facts', jsonb_build_array(jsonb_build_object('kind', f.kind, 'subject', f.subject, 'evidence', f.evidence)))
      FROM "ScanFact" AS f
      JOIN jsonb_each_text(${factRules}::jsonb) AS rule ON rule.key = f.kind
      WHERE f."realmId" = ${p.realmId} AND f."nhiId" IS NULL AND ${all ? sql`TRUE` : sql`FALSE`}
    )`;
}

/**
 * The NHIs of an incremental evaluation as the CTE `scope_ids`: those asked for, and those sharing
 * a secret with them (their shared-secret findings change too).
 */
function scopeIdsSql(realmId: string, nhiIds: readonly string[]): Sql {
  // A text[] rather than jsonb: the planner knows how many rows unnest() of a constant array
  // gives, so it reaches the few NHIs through their indexes instead of hashing whole tables.
  const ids = [...new Set(nhiIds)];
  return sql`
    scope_ids AS (
      SELECT unnest(${ids}::text[]) AS nhi_id
      UNION
      SELECT c2."nhiId" FROM "Credential" AS c1
      JOIN "Credential" AS c2 ON c2."realmId" = c1."realmId" AND c2.fingerprint = c1.fingerprint
      WHERE c1."realmId" = ${realmId} AND c1.fingerprint IS NOT NULL AND c1."nhiId" = ANY (${ids}::text[])
    )`;
}

/**
 * Memory for this transaction to hash and sort the realm's credentials and findings without
 * spilling to disk (the server's default suits requests, not a full pass), and no JIT compilation:
 * the pass's statements are large and their row estimates far off, so the server spent seconds
 * compiling hundreds of expressions that each ran over a few hundred thousand rows at most.
 * Tells whether the realm has any alert yet (none: its first pass, which only inserts).
 */
export async function prepareRealmPass(tx: RealmTx, realmId: string): Promise<{ realmHasAlerts: boolean }> {
  const [row] = await tx.$queryRaw<{ has_alerts: boolean }[]>`
    SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true),
      EXISTS (SELECT 1 FROM "Alert" WHERE "realmId" = ${realmId}) AS has_alerts`;
  return { realmHasAlerts: row?.has_alerts ?? true };
}

/** The findings of the whole realm as common table expressions ending with `finding`. */
export function realmFindingsSql(p: FindingParameters): Sql {
  return sql`
    ${findingsSql(p, sql`"Nhi" AS n`, true)},
    ${distinctFindingsSql}`;
}

/**
 * The findings of an incremental evaluation as common table expressions ending with `finding`
 * (one row per fingerprint), for the transitions to run in the same statement: one round trip
 * instead of filling and analysing work tables. `scope_ids` names the NHIs in scope.
 */
export function scopedFindingsSql(p: FindingParameters, nhiIds: readonly string[]): Sql {
  return sql`
    ${scopeIdsSql(p.realmId, nhiIds)},
    ${findingsSql(p, sql`scope_ids AS s JOIN "Nhi" AS n ON n.id = s.nhi_id`, false)},
    ${distinctFindingsSql}`;
}

/** One row per fingerprint: the transitions key alerts on it. */
const distinctFindingsSql = sql`
    finding AS (
      SELECT DISTINCT ON (rule_id || ':' || subject) rule_id || ':' || subject AS fingerprint,
        rule_id, nhi_id, credential_id, subject, evidence
      FROM found
    )`;
