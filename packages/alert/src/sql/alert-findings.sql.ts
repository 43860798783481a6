import { emptySql, type RealmTx, type Sql, sql } from '@nhi/platform';
import {
  expiringCredentialKinds,
  providersWithoutExpiry,
  usageReportingProviders,
} from '../service/alert-rules.ts';

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
    /** nhi1.unowned_share: roll unowned identities up above this share (percent) and count. */
    unownedSharePercent: number;
    unownedMinimum: number;
    unownedShareEnabled: boolean;
  };
  /**
   * An identity slice of a sliced pass: whether the realm-level slice rolled unowned identities
   * up. Unset, an incremental evaluation follows the realm-level alert a full pass left.
   */
  unownedRollup?: boolean;
}

/** Leak types that name no provider: a password or a high-entropy string of unknown use. */
export const genericSecretTypes = ['generic', 'basic_auth', 'database_url'] as const;

/**
 * The common table expressions `scoped` … `found` that compute every finding of the enabled rules
 * over the realm's active NHIs (`all`), or those of the CTE `scope_ids`, set-based whatever their number. A finding's fingerprint is `<rule_id>:<subject>` (credential,
 * NHI or scanner subject), the stable key of its alert; two rows of `found` may share one (a
 * password credential and a scanner fact both say "console password"), the first one counts.
 * Facts about no NHI (scanner subjects) are read only when the whole realm is evaluated.
 *
 * Rules skip deleted and inactive NHIs and every credential that is not active. Timestamps are
 * stored as UTC without zone, so `now` travels as an ISO string cast to timestamp.
 */
export function findingsSql(p: FindingParameters, all: boolean, perNhi = true): Sql {
  // Without per-NHI findings (the realm-level slice of a sliced pass) their branches are planned
  // away: a constant false, not a parameter, so the planner drops them before running anything.
  const identities = perNhi ? sql`TRUE` : sql`FALSE`;
  const on = JSON.stringify(p.enabled);
  const now = p.now.toISOString();
  const t = p.thresholds;
  const factRules = JSON.stringify(p.factRules);
  const usage = JSON.stringify(usageReportingProviders);
  const expiring = JSON.stringify(expiringCredentialKinds);
  const neverExpiring = JSON.stringify(providersWithoutExpiry);
  const generic = JSON.stringify(genericSecretTypes);
  return sql`
    scoped AS (
      SELECT n.id, n."realmId", n.name, n."ownerUserId", n."ownerGroupId", n.environment, n.provider,
        -- A machine identity at work: an active credential other than a console password. A person's
        -- account (a password alone) and the AWS root account (the account itself) are not, so no
        -- machine rule speaks of them. One index probe per identity, whatever the scope.
        EXISTS (SELECT 1 FROM "Credential" AS mc WHERE mc."realmId" = ${p.realmId} AND mc."nhiId" = n.id
            AND mc.status = 'active' AND mc.kind <> 'password')
          AND NOT coalesce(n.metadata -> 'credentialReport' ->> 'classification' = 'root_account'
            OR n.metadata ->> 'awsRoot' = 'true', false) AS is_machine
      FROM "Nhi" AS n ${all ? emptySql : sql`JOIN scope_ids AS s ON s.nhi_id = n.id`}
      WHERE n."realmId" = ${p.realmId} AND n."deletedAt" IS NULL AND n.status = 'active'
    ),
    creds AS (
      SELECT c.id, c."nhiId", c.kind, c.fingerprint, c.hint, c."lastUsedAt", c."expiresAt",
        coalesce(c."lastRotatedAt", c."providerCreatedAt", c."createdAt") AS since,
        coalesce(c."providerCreatedAt", c."createdAt") AS created, n.environment, n.provider, n.is_machine
      FROM "Credential" AS c JOIN scoped AS n ON n.id = c."nhiId"
      WHERE c."realmId" = ${p.realmId} AND c.status = 'active' AND ${identities}
    ),
    -- Filters of one CTE, never joins of two: the planner knows no row counts of a CTE and would
    -- pair them in a nested loop (measured: two minutes on 100k identities).
    machine AS (
      SELECT n.id FROM scoped AS n WHERE n.is_machine
    ),
    unowned AS (
      SELECT n.id, n.name FROM scoped AS n
      WHERE n.is_machine AND n."ownerUserId" IS NULL AND n."ownerGroupId" IS NULL
    ),
    -- Whether unowned identities are rolled up into one realm-level finding: decided on the whole
    -- realm by a full pass; an incremental pass follows the realm-level alert it left.
    unowned_rollup AS (
      ${
        all
          ? sql`SELECT ${t.unownedShareEnabled}::boolean AND c.unowned >= ${t.unownedMinimum}::int
            AND c.unowned * 100 > ${t.unownedSharePercent}::int * c.machines AS active, c.unowned, c.machines
          FROM (SELECT (SELECT count(*) FROM unowned)::int AS unowned,
            (SELECT count(*) FROM machine)::int AS machines) AS c`
          : p.unownedRollup !== undefined
            ? sql`SELECT ${p.unownedRollup}::boolean AS active, 0 AS unowned, 0 AS machines`
            : sql`SELECT ${t.unownedShareEnabled}::boolean AND EXISTS (
          SELECT 1 FROM "Alert" WHERE "realmId" = ${p.realmId} AND fingerprint = 'nhi1.unowned_share:realm'
            AND state <> 'resolved') AS active, 0 AS unowned, 0 AS machines`
      }
    ),
    -- Leaks matching a credential in scope, by its id or by its fingerprint (two index-friendly joins).
    leak_hits AS (
      SELECT c.id AS credential_id, l.id, l.file, l.line, l.commit, l.rule, l."maskedMatch", l."firstSeenAt",
        l.verification
      FROM creds AS c JOIN "Leak" AS l ON l."realmId" = ${p.realmId} AND l.fingerprint = c.fingerprint
      UNION
      SELECT c.id, l.id, l.file, l.line, l.commit, l.rule, l."maskedMatch", l."firstSeenAt", l.verification
      FROM creds AS c JOIN "Leak" AS l ON l."realmId" = ${p.realmId} AND l."credentialId" = c.id
    ),
    -- Every active holder, anywhere in the realm, of a secret some credential in scope has (for
    -- the whole realm: every holder, read in one pass instead of one lookup per secret)...
    holders AS (
      SELECT c2.fingerprint, c2."nhiId", n2.name, n2.environment
      FROM "Credential" AS c2 JOIN "Nhi" AS n2 ON n2.id = c2."nhiId"
      WHERE c2."realmId" = ${p.realmId} AND c2.status = 'active' AND n2."realmId" = ${p.realmId}
        AND n2."deletedAt" IS NULL AND n2.status = 'active' AND c2.fingerprint IS NOT NULL AND ${identities}
        ${all ? sql`` : sql`AND c2.fingerprint IN (SELECT fingerprint FROM creds WHERE fingerprint IS NOT NULL)`}
    ),
    -- ...and the credentials in scope whose secret another NHI holds too, with that NHI: the few
    -- shared secrets are found first, so the full pass never pairs every credential with itself.
    sharing AS (
      SELECT c1.id, c1.environment, f."nhiId", f.name, f.environment AS other_environment
      FROM creds AS c1 JOIN holders AS f ON f.fingerprint = c1.fingerprint
      WHERE f."nhiId" <> c1."nhiId" AND c1.fingerprint IN (
        SELECT fingerprint FROM holders GROUP BY fingerprint HAVING count(DISTINCT "nhiId") > 1)
    ),
    found (rule_id, nhi_id, credential_id, subject, evidence) AS (
      SELECT 'nhi1.unowned', n.id, NULL::text, n.id, jsonb_build_object('nhi', n.name)
      FROM unowned AS n
      WHERE ${identities} AND ${on}::jsonb @> '["nhi1.unowned"]' AND NOT (SELECT active FROM unowned_rollup)
      UNION ALL
      SELECT 'nhi1.unowned_share', NULL, NULL, 'realm', jsonb_build_object('unowned', r.unowned,
        'machineIdentities', r.machines, 'sharePercent', round(r.unowned * 100.0 / nullif(r.machines, 0))::int,
        'thresholdPercent', ${t.unownedSharePercent}::int, 'list', '/inventory?owner=%5B%22unowned%22%5D')
      FROM unowned_rollup AS r
      WHERE ${all ? sql`TRUE` : sql`FALSE`} AND r.active
      UNION ALL
      SELECT 'nhi1.owner_inactive', n.id, NULL, n.id, jsonb_build_object(
        'ownerUserId', n."ownerUserId",
        'reason', CASE WHEN m."userId" IS NULL THEN 'no longer a member of the realm' ELSE 'account disabled' END)
      FROM scoped AS n
      LEFT JOIN "RealmMembership" AS m ON m."realmId" = n."realmId" AND m."userId" = n."ownerUserId"
      LEFT JOIN "User" AS u ON u.id = m."userId"
      WHERE ${identities} AND ${on}::jsonb @> '["nhi1.owner_inactive"]' AND n."ownerUserId" IS NOT NULL
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
        AND ${usage}::jsonb ? c.provider::text
        AND c.created < ${now}::timestamp - make_interval(days => ${t.graceDays}::int)
      UNION ALL
      SELECT 'nhi2.leaked_secret', c."nhiId", c.id, c.id, jsonb_build_object(
        'hint', c.hint, 'leaks', leaks.found, 'firstFoundAt', leaks.first_found,
        'verification', leaks.verification)
      FROM creds AS c
      JOIN (
        SELECT hit.credential_id, min(hit."firstSeenAt") AS first_found,
          CASE WHEN bool_or(hit.verification = 'live') THEN 'live' END AS verification,
          jsonb_agg(jsonb_build_object('file', hit.file, 'line', hit.line, 'commit', hit.commit,
            'rule', hit.rule, 'match', hit."maskedMatch") ORDER BY hit."firstSeenAt", hit.id) AS found
        FROM leak_hits AS hit GROUP BY hit.credential_id
      ) AS leaks ON leaks.credential_id = c.id
      WHERE ${on}::jsonb @> '["nhi2.leaked_secret"]'
      UNION ALL
      -- A secret no credential of the realm has: one alert per secret (its fingerprint), wherever
      -- it was found; it resolves when its credential turns up (nhi2.leaked_secret takes over) or
      -- when no scan finds it any more.
      SELECT 'nhi2.leak_unlinked', NULL, NULL, 'secret:' || u.fingerprint, jsonb_build_object(
        'secretType', u.secret_type, 'verification', u.verification, 'locations', u.locations,
        'leaks', u.found, 'firstFoundAt', u.first_found,
        'severity', CASE WHEN u.verification = 'live' THEN 'critical' WHEN u.verification = 'invalid' THEN 'low'
          WHEN ${generic}::jsonb ? u.secret_type THEN 'medium' END)
      FROM (
        SELECT l.fingerprint, max(l."secretType") AS secret_type, min(l."firstSeenAt") AS first_found,
          count(*)::int AS locations,
          CASE WHEN bool_or(l.verification = 'live') THEN 'live'
            WHEN bool_and(l.verification = 'invalid') THEN 'invalid'
            WHEN bool_or(l.verification IS NOT NULL) THEN 'unknown' END AS verification,
          -- The first places found are enough to act on; the Leaks page lists every one.
          jsonb_path_query_array(jsonb_agg(jsonb_build_object('file', l.file, 'line', l.line,
            'commit', l.commit, 'rule', l.rule, 'match', l."maskedMatch") ORDER BY l."firstSeenAt", l.id),
            '$[0 to 19]') AS found
        FROM "Leak" AS l
        WHERE l."realmId" = ${p.realmId} AND l."resolvedAt" IS NULL AND l."credentialId" IS NULL
          AND NOT EXISTS (SELECT 1 FROM "Credential" AS c
            WHERE c."realmId" = ${p.realmId} AND c.fingerprint = l.fingerprint)
        GROUP BY l.fingerprint
      ) AS u
      WHERE ${on}::jsonb @> '["nhi2.leak_unlinked"]' AND ${all ? sql`TRUE` : sql`FALSE`}
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
        AND ${expiring}::jsonb ? c.kind::text AND NOT ${neverExpiring}::jsonb ? c.provider::text
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
        AND c."lastUsedAt" IS NOT NULL AND c.is_machine
      UNION ALL
      SELECT 'nhi4.console_password', c."nhiId", NULL, c."nhiId",
        jsonb_build_object('facts', jsonb_build_array(jsonb_build_object('kind', 'inventory.password_credential', 'hint', c.hint)))
      FROM creds AS c
      WHERE ${on}::jsonb @> '["nhi4.console_password"]' AND c.kind = 'password' AND c.is_machine
      UNION ALL
      SELECT rule.value, n.id, NULL, n.id, jsonb_build_object('facts', jsonb_agg(
          jsonb_build_object('kind', f.kind, 'subject', f.subject, 'evidence', f.evidence) ORDER BY f.kind, f.subject))
      FROM "ScanFact" AS f
      JOIN jsonb_each_text(${factRules}::jsonb) AS rule ON rule.key = f.kind
      JOIN scoped AS n ON n.id = f."nhiId"
      WHERE ${identities} AND f."realmId" = ${p.realmId}
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
 * a secret with them (their shared-secret findings change too) unless `exact` (a slice of a sliced
 * pass: the other slices evaluate the partners).
 */
function scopeIdsSql(realmId: string, nhiIds: readonly string[], exact = false): Sql {
  // A text[] rather than jsonb: the planner knows how many rows unnest() of a constant array
  // gives, so it reaches the few NHIs through their indexes instead of hashing whole tables.
  const ids = [...new Set(nhiIds)];
  if (exact) return sql`scope_ids AS (SELECT unnest(${ids}::text[]) AS nhi_id)`;
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
    ${findingsSql(p, true)},
    ${distinctFindingsSql}`;
}

/**
 * The findings of an incremental evaluation as common table expressions ending with `finding`
 * (one row per fingerprint), for the transitions to run in the same statement: one round trip
 * instead of filling and analysing work tables. `scope_ids` names the NHIs in scope.
 */
export function scopedFindingsSql(p: FindingParameters, nhiIds: readonly string[], exact = false): Sql {
  return sql`
    ${scopeIdsSql(p.realmId, nhiIds, exact)},
    ${findingsSql(p, false)},
    ${distinctFindingsSql}`;
}

/**
 * The findings about no identity, as common table expressions ending with `finding`: the roll-up
 * of unowned identities (decided over the whole realm), leaks of secrets no credential has, and
 * scanner facts about no identity. The first slice of a sliced pass; the identities' own findings
 * come in the slices after it, which follow the roll-up it leaves.
 */
export function realmLevelFindingsSql(p: FindingParameters): Sql {
  return sql`
    ${findingsSql(p, true, false)},
    ${distinctFindingsSql}`;
}

/** The relation the findings above end with (`finding`), for the transitions to read. */
export const findingRelationSql = sql`finding`;

/** The alerts a full pass answers for (Alert `a`): all of the realm's. */
export const everyAlertSql = sql`TRUE`;

/** The alerts of the NHIs of the CTE `scope_ids` (Alert `a`). */
export const alertsOfScopeSql = sql`a."nhiId" IN (SELECT nhi_id FROM scope_ids)`;

/**
 * The alerts the realm-level slice of a sliced pass answers for (Alert `a`): those of no identity,
 * or of one that no longer exists.
 */
export function alertsWithoutIdentitySql(realmId: string): Sql {
  return sql`(a."nhiId" IS NULL OR NOT EXISTS (
        SELECT 1 FROM "Nhi" AS gone WHERE gone."realmId" = ${realmId} AND gone.id = a."nhiId"))`;
}

/** One row per fingerprint: the transitions key alerts on it. */
const distinctFindingsSql = sql`
    finding AS (
      SELECT DISTINCT ON (rule_id || ':' || subject) rule_id || ':' || subject AS fingerprint,
        rule_id, nhi_id, credential_id, subject, evidence,
        -- A finding may set its own severity (a leak by its secret type and verification).
        evidence ->> 'severity' AS severity
      FROM found
    )`;
