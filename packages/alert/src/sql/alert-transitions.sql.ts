import { type RealmTx, type Sql, sql } from '@nhi/platform';
import { timeOrderedIdPrefix, timeOrderedIdSql } from './time-ordered-id.sql.ts';

export interface TransitionCounts {
  findings: number;
  opened: number;
  reopened: number;
  resolved: number;
  /** History entries marked for notification (the realm has an enabled channel). */
  marked: number;
  /** NHIs whose open alerts or their severities changed: their risk scores are stale. */
  touchedNhiIds: string[];
  /** With reportRollup: whether unowned identities are rolled up into the realm's one finding. */
  rolledUp?: boolean;
}

/** Rule id -> { owasp, severity }, so new alerts are written in one statement. */
export type RuleMeta = Record<string, { owasp: string; severity: string }>;

/** Where the transitions read their findings, and which alerts they answer for. */
export interface FindingsSource {
  /** Common table expressions to run first (findings computed in the same statement), if any. */
  ctes?: Sql;
  /**
   * A relation of findings: fingerprint, rule_id, nhi_id, credential_id, subject, evidence and
   * severity (null: the rule's), one row per fingerprint.
   */
  relation: Sql;
  /** Predicate on Alert `a`: the alerts in scope, which resolve when they have no finding. */
  inScope: Sql;
  /**
   * The realm had no alert when the evaluation began: new alerts go in without conflict handling,
   * which spares each row a speculative insertion. An evaluation that inserted one of them first
   * makes the statement fail with a unique violation (never a duplicate); see applyFirstFindings.
   */
  realmWithoutAlerts?: boolean;
  /** Insert new alerts and history rows in index order with time-ordered ids (for a full pass). */
  insertInOrder?: boolean;
  /**
   * The time in the time-ordered ids (default: the evaluation's time). The slices of one pass share
   * the evaluation's time but each gives its own clock time, so their ids keep ascending.
   */
  idTime?: Date;
  /** Whether to list the NHIs whose scores are stale (a full pass rescores the realm anyway). */
  listTouched?: boolean;
  /** Whether to report if the findings roll unowned identities up (the realm-level slice). */
  reportRollup?: boolean;
}

/** The statement of applyFindings (also for EXPLAIN). */
export function transitionsSql(realmId: string, now: Date, rules: RuleMeta, source: FindingsSource): Sql {
  const at = sql`${now.toISOString()}::timestamp`;
  const meta = JSON.stringify(rules);
  const f = source.relation;
  const firstPass = source.realmWithoutAlerts === true;
  const inOrder = source.insertInOrder === true;
  const ids = timeOrderedIdPrefix(source.idTime ?? now);
  const randomId = sql`gen_random_uuid()::text`;
  // Rule metadata travels as one jsonb parameter, expanded once (a per-row expression on the
  // parameter would parse it per row).
  return sql`
    WITH ${source.ctes ? sql`${source.ctes},` : sql``}
    m AS (
      SELECT key AS rule_id, value ->> 'owasp' AS owasp, value ->> 'severity' AS severity
      FROM jsonb_each(${meta}::jsonb)
    ),
    channel AS (
      SELECT EXISTS (SELECT 1 FROM "AlertChannel" WHERE "realmId" = ${realmId} AND enabled) AS notify
    ),
    previous AS (
      SELECT a.id, a.state, f.fingerprint IS NOT NULL AS found, f.evidence,
        coalesce(f.severity, m.severity) AS severity,
        f.fingerprint IS NOT NULL
          AND (a.state = 'resolved' OR (a.state = 'suppressed' AND a."suppressedUntil" <= ${at})) AS reopens,
        f.fingerprint IS NULL
          AND (a.state IN ('open', 'acknowledged')
            OR (a.state = 'suppressed' AND a."suppressedUntil" <= ${at})) AS resolves,
        f.fingerprint IS NOT NULL AND a.severity::text IS DISTINCT FROM coalesce(f.severity, m.severity) AS rescored,
        f.fingerprint IS NOT NULL AND (a.evidence IS DISTINCT FROM f.evidence
          OR a."lastSeenAt" < ${at} - interval '1 day') AS refreshes
      FROM "Alert" AS a
      LEFT JOIN ${f} AS f ON f.fingerprint = a.fingerprint
      LEFT JOIN m ON m.rule_id = f.rule_id
      WHERE a."realmId" = ${realmId} AND ${source.inScope}
    ),
    changed AS (
      UPDATE "Alert" AS a SET
        state = CASE WHEN p.reopens THEN 'open'::"AlertState" WHEN p.resolves THEN 'resolved'::"AlertState"
          ELSE a.state END,
        resolution = CASE WHEN p.reopens THEN NULL WHEN p.resolves THEN 'auto' ELSE a.resolution END,
        "stateChangedAt" = CASE WHEN p.reopens OR p.resolves THEN ${at} ELSE a."stateChangedAt" END,
        "suppressedUntil" = CASE WHEN p.reopens OR p.resolves THEN NULL ELSE a."suppressedUntil" END,
        "suppressReason" = CASE WHEN p.reopens OR p.resolves THEN NULL ELSE a."suppressReason" END,
        "suppressedById" = CASE WHEN p.reopens OR p.resolves THEN NULL ELSE a."suppressedById" END,
        evidence = CASE WHEN p.found THEN p.evidence ELSE a.evidence END,
        severity = CASE WHEN p.found THEN p.severity::"AlertSeverity" ELSE a.severity END,
        "lastSeenAt" = CASE WHEN p.found THEN ${at} ELSE a."lastSeenAt" END,
        "updatedAt" = ${at}
      FROM previous AS p
      WHERE a.id = p.id AND a."realmId" = ${realmId} AND a.state = p.state
        AND (p.reopens OR p.resolves OR p.rescored OR p.refreshes)
      RETURNING a.id, a."nhiId", p.state AS from_state, p.reopens, p.resolves, p.rescored
    ),
    -- A full pass inserts new alerts in fingerprint order with ids in the same order, and their
    -- history rows in the order of the alerts: on a realm's first pass every index of both grows at
    -- its right edge. An incremental pass inserts a few rows and keeps the plainer statement.
    created AS (
      INSERT INTO "Alert" (id, "realmId", fingerprint, "ruleId", "owaspId", severity, state, "nhiId",
        "credentialId", subject, evidence, "firstSeenAt", "lastSeenAt", "stateChangedAt", "createdAt", "updatedAt")
      SELECT ${inOrder ? timeOrderedIdSql(ids, sql`n.position`) : randomId}, ${realmId}, n.fingerprint, n.rule_id, n.owasp,
        n.severity::"AlertSeverity", 'open', n.nhi_id, n.credential_id, n.subject, n.evidence,
        ${at}, ${at}, ${at}, ${at}, ${at}
      FROM (
        SELECT f.fingerprint, f.rule_id, f.nhi_id, f.credential_id, f.subject, f.evidence, m.owasp,
          coalesce(f.severity, m.severity) AS severity${inOrder ? sql`, row_number() OVER (ORDER BY f.fingerprint) AS position` : sql``}
        FROM ${f} AS f JOIN m ON m.rule_id = f.rule_id
        WHERE NOT EXISTS (SELECT 1 FROM "Alert" AS a WHERE a."realmId" = ${realmId} AND a.fingerprint = f.fingerprint)
      ) AS n
      ${inOrder ? sql`ORDER BY n.fingerprint` : sql``}
      ${firstPass ? sql`` : sql`ON CONFLICT ("realmId", fingerprint) DO NOTHING`}
      RETURNING id, "nhiId"
    ),
    events AS (
      INSERT INTO "AlertEvent" (id, "realmId", "alertId", "fromState", "toState", reason, "actorType", notify, "createdAt")
      SELECT ${inOrder ? timeOrderedIdSql(ids, sql`e.position`) : randomId}, ${realmId}, e.alert_id, e.from_state, e.to_state, e.reason,
        'system'::"ActorType", e.notify, ${at}
      FROM (
        SELECT ${inOrder ? sql`row_number() OVER () AS position,` : sql``} t.* FROM (
          SELECT c.id AS alert_id, c.from_state,
            (CASE WHEN c.reopens THEN 'open' ELSE 'resolved' END)::"AlertState" AS to_state,
            CASE WHEN c.resolves THEN 'The condition no longer holds'
              WHEN c.from_state = 'suppressed' THEN 'Suppression expired; the condition still holds'
              ELSE 'The condition holds again' END AS reason,
            c.reopens AND channel.notify AS notify
          FROM changed AS c CROSS JOIN channel
          WHERE c.reopens OR c.resolves
          UNION ALL
          SELECT c.id, NULL, 'open'::"AlertState", 'Condition detected', channel.notify
          FROM created AS c CROSS JOIN channel
        ) AS t
      ) AS e
      RETURNING notify
    )
    SELECT
      (SELECT count(*) FROM ${f})::int AS findings,
      (SELECT count(*) FROM created)::int AS opened,
      (SELECT count(*) FILTER (WHERE reopens) FROM changed)::int AS reopened,
      (SELECT count(*) FILTER (WHERE resolves) FROM changed)::int AS resolved,
      (SELECT count(*) FILTER (WHERE notify) FROM events)::int AS marked,
      ${
        source.listTouched
          ? sql`(SELECT coalesce(array_agg(DISTINCT t.id), '{}') FROM (
        SELECT "nhiId" AS id FROM changed WHERE reopens OR resolves OR rescored
        UNION ALL SELECT "nhiId" FROM created
      ) AS t WHERE t.id IS NOT NULL)`
          : sql`'{}'::text[]`
      } AS touched${
        source.reportRollup
          ? sql`, EXISTS (SELECT 1 FROM ${f} WHERE fingerprint = 'nhi1.unowned_share:realm') AS rolled_up`
          : sql``
      }`;
}

/**
 * Turns the findings into alert state in one statement, recording every transition in the alert
 * history:
 * - an alert whose finding is present keeps its state and gets the latest evidence (written only
 *   when it changed, or daily for lastSeenAt);
 * - a resolved alert, or a suppressed one whose suppression expired, whose finding is present reopens;
 * - a finding without an alert opens one;
 * - an open or acknowledged alert in scope without a finding (or an expired suppression) resolves.
 * Opening and reopening mark their history entry for notification when the realm has an enabled
 * channel (see alert-outbox.sql.ts).
 *
 * An alert changes only if its state is still the one read: an evaluation running at the same time
 * that already moved it wins, and the history never records a transition twice.
 */
export async function applyFindings(
  tx: RealmTx,
  realmId: string,
  now: Date,
  rules: RuleMeta,
  source: FindingsSource,
): Promise<TransitionCounts> {
  const [row] = await tx.$queryRaw<
    {
      findings: number;
      opened: number;
      reopened: number;
      resolved: number;
      marked: number;
      touched: string[];
      rolled_up?: boolean;
    }[]
  >(transitionsSql(realmId, now, rules, source));
  return {
    findings: row?.findings ?? 0,
    opened: row?.opened ?? 0,
    reopened: row?.reopened ?? 0,
    resolved: row?.resolved ?? 0,
    marked: row?.marked ?? 0,
    touchedNhiIds: row?.touched ?? [],
    ...(row?.rolled_up === undefined ? {} : { rolledUp: row.rolled_up }),
  };
}

/**
 * applyFindings for a realm that had no alert when the pass began (its first pass: every finding
 * opens an alert), inserting without conflict handling. An evaluation that committed one of those
 * alerts meanwhile makes the insert fail on the realm's unique fingerprint: the statement is then
 * undone to a savepoint and run again with conflict handling, which sees that evaluation's alerts.
 */
export async function applyFirstFindings(
  tx: RealmTx,
  realmId: string,
  now: Date,
  rules: RuleMeta,
  source: FindingsSource,
): Promise<TransitionCounts> {
  await tx.$executeRaw`SAVEPOINT first_alerts`;
  try {
    const counts = await applyFindings(tx, realmId, now, rules, { ...source, realmWithoutAlerts: true });
    await tx.$executeRaw`RELEASE SAVEPOINT first_alerts`;
    return counts;
  } catch (error) {
    if (!isDuplicateFingerprint(error)) throw error;
    await tx.$executeRaw`ROLLBACK TO SAVEPOINT first_alerts`;
    return applyFindings(tx, realmId, now, rules, { ...source, realmWithoutAlerts: false });
  }
}

/** A raw statement refused by the realm's unique fingerprint of alerts (Prisma wraps the driver's error). */
function isDuplicateFingerprint(error: unknown): boolean {
  const cause = (
    error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string; constraint?: unknown } } } }
  )?.meta?.driverAdapterError?.cause;
  const constraint = cause?.constraint as { index?: string } | undefined;
  return (
    (error as { code?: string })?.code === 'P2010' &&
    cause?.originalCode === '23505' &&
    constraint?.index === 'Alert_realmId_fingerprint_key'
  );
}
