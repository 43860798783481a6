import type { RealmTx } from '@nhi/platform';
import type { EvaluationScope } from './alert-findings.sql.ts';

export interface TransitionCounts {
  /** Whether the new and reopened alerts' history entries were marked for notification. */
  notify: boolean;
  findings: number;
  opened: number;
  reopened: number;
  resolved: number;
}

/** Rule id -> { owasp, severity }, so new alerts are written in one statement. */
export type RuleMeta = Record<string, { owasp: string; severity: string }>;

/**
 * Turns the findings in alert_finding into alert state, in four set-based statements, each
 * recording its transitions in the alert history:
 * - an alert whose finding is present keeps its state and gets the latest evidence;
 * - a resolved alert, or a suppressed one whose suppression expired, whose finding is present reopens;
 * - a finding without an alert opens one;
 * Opening and reopening mark their history entry for notification (see alert-outbox.sql.ts).
 * - an open or acknowledged alert in scope without a finding (or an expired suppression) resolves.
 */
export async function applyFindings(
  tx: RealmTx,
  realmId: string,
  now: Date,
  scope: EvaluationScope,
  rules: RuleMeta,
  findings: number,
): Promise<TransitionCounts> {
  const at = now.toISOString();
  const meta = JSON.stringify(rules);

  // lastSeenAt moves at most daily: a full pass rewrites only alerts whose evidence changed.
  // Rule metadata travels as one jsonb parameter, expanded once per statement (a per-row
  // expression on the parameter would parse it per row).
  await tx.$executeRaw`
    WITH m AS (
      SELECT key AS rule_id, value ->> 'severity' AS severity FROM jsonb_each(${meta}::jsonb)
    )
    UPDATE "Alert" AS a SET
      evidence = f.evidence,
      severity = m.severity::"AlertSeverity",
      "lastSeenAt" = ${at}::timestamp,
      "updatedAt" = ${at}::timestamp
    FROM alert_finding AS f JOIN m ON m.rule_id = f.rule_id
    WHERE a."realmId" = ${realmId} AND a.fingerprint = f.fingerprint
      AND (a.evidence IS DISTINCT FROM f.evidence
        OR a.severity::text IS DISTINCT FROM m.severity
        OR a."lastSeenAt" < ${at}::timestamp - interval '1 day')`;
  // Notifications are worth marking only when the realm has a channel to send them to.
  const [channels] = await tx.$queryRaw<{ any: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM "AlertChannel" WHERE "realmId" = ${realmId} AND enabled) AS any`;
  const notify = channels?.any ?? false;

  const reopened = await tx.$executeRaw`
    WITH previous AS (
      SELECT a.id, a.state FROM "Alert" AS a JOIN alert_finding AS f ON f.fingerprint = a.fingerprint
      WHERE a."realmId" = ${realmId}
        AND (a.state = 'resolved' OR (a.state = 'suppressed' AND a."suppressedUntil" <= ${at}::timestamp))
      FOR UPDATE OF a
    ),
    changed AS (
      UPDATE "Alert" AS a SET state = 'open', "stateChangedAt" = ${at}::timestamp, resolution = NULL,
        "suppressedUntil" = NULL, "suppressReason" = NULL, "suppressedById" = NULL,
        "lastSeenAt" = ${at}::timestamp, "updatedAt" = ${at}::timestamp
      FROM previous WHERE a.id = previous.id
      RETURNING a.id, previous.state AS from_state
    )
    INSERT INTO "AlertEvent" (id, "realmId", "alertId", "fromState", "toState", reason, "actorType", notify, "createdAt")
    SELECT gen_random_uuid()::text, ${realmId}, id, from_state, 'open',
      CASE WHEN from_state = 'suppressed' THEN 'Suppression expired; the condition still holds'
        ELSE 'The condition holds again' END, 'system', ${notify}::boolean, ${at}::timestamp
    FROM changed`;

  const opened = await tx.$executeRaw`
    WITH m AS (
      SELECT key AS rule_id, value ->> 'owasp' AS owasp, value ->> 'severity' AS severity
      FROM jsonb_each(${meta}::jsonb)
    ),
    created AS (
      INSERT INTO "Alert" (id, "realmId", fingerprint, "ruleId", "owaspId", severity, state, "nhiId",
        "credentialId", subject, evidence, "firstSeenAt", "lastSeenAt", "stateChangedAt", "createdAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${realmId}, f.fingerprint, f.rule_id, m.owasp,
        m.severity::"AlertSeverity", 'open', f.nhi_id, f.credential_id,
        f.subject, f.evidence, ${at}::timestamp, ${at}::timestamp, ${at}::timestamp, ${at}::timestamp,
        ${at}::timestamp
      FROM alert_finding AS f JOIN m ON m.rule_id = f.rule_id
      WHERE NOT EXISTS (SELECT 1 FROM "Alert" AS a WHERE a."realmId" = ${realmId} AND a.fingerprint = f.fingerprint)
      ON CONFLICT ("realmId", fingerprint) DO NOTHING
      RETURNING id
    )
    INSERT INTO "AlertEvent" (id, "realmId", "alertId", "fromState", "toState", reason, "actorType", notify, "createdAt")
    SELECT gen_random_uuid()::text, ${realmId}, id, NULL, 'open', 'Condition detected', 'system',
      ${notify}::boolean, ${at}::timestamp
    FROM created`;

  const resolved = await resolveGone(tx, realmId, at, scope.all);
  return { notify, findings, opened, reopened, resolved };
}

/**
 * Resolves the open, acknowledged and expired-suppressed alerts in scope that have no finding:
 * the whole realm, or the alerts of the NHIs in alert_scope. Two statements rather than one with
 * an OR, so the planner uses the scope's key for one NHI.
 */
function resolveGone(tx: RealmTx, realmId: string, at: string, wholeRealm: boolean): Promise<number> {
  if (wholeRealm)
    return tx.$executeRaw`
      WITH previous AS (
        SELECT a.id, a.state FROM "Alert" AS a
        WHERE a."realmId" = ${realmId}
          AND (a.state IN ('open', 'acknowledged')
            OR (a.state = 'suppressed' AND a."suppressedUntil" <= ${at}::timestamp))
          AND NOT EXISTS (SELECT 1 FROM alert_finding AS f WHERE f.fingerprint = a.fingerprint)
        FOR UPDATE OF a
      ),
      changed AS (
        UPDATE "Alert" AS a SET state = 'resolved', resolution = 'auto', "stateChangedAt" = ${at}::timestamp,
          "suppressedUntil" = NULL, "suppressReason" = NULL, "suppressedById" = NULL, "updatedAt" = ${at}::timestamp
        FROM previous WHERE a.id = previous.id
        RETURNING a.id, previous.state AS from_state
      )
      INSERT INTO "AlertEvent" (id, "realmId", "alertId", "fromState", "toState", reason, "actorType", "createdAt")
      SELECT gen_random_uuid()::text, ${realmId}, id, from_state, 'resolved', 'The condition no longer holds',
        'system', ${at}::timestamp
      FROM changed`;
  return tx.$executeRaw`
    WITH previous AS (
      SELECT a.id, a.state FROM alert_scope AS s JOIN "Alert" AS a ON a."nhiId" = s.nhi_id
      WHERE a."realmId" = ${realmId}
        AND (a.state IN ('open', 'acknowledged')
          OR (a.state = 'suppressed' AND a."suppressedUntil" <= ${at}::timestamp))
        AND NOT EXISTS (SELECT 1 FROM alert_finding AS f WHERE f.fingerprint = a.fingerprint)
      FOR UPDATE OF a
    ),
    changed AS (
      UPDATE "Alert" AS a SET state = 'resolved', resolution = 'auto', "stateChangedAt" = ${at}::timestamp,
        "suppressedUntil" = NULL, "suppressReason" = NULL, "suppressedById" = NULL, "updatedAt" = ${at}::timestamp
      FROM previous WHERE a.id = previous.id
      RETURNING a.id, previous.state AS from_state
    )
    INSERT INTO "AlertEvent" (id, "realmId", "alertId", "fromState", "toState", reason, "actorType", "createdAt")
    SELECT gen_random_uuid()::text, ${realmId}, id, from_state, 'resolved', 'The condition no longer holds',
      'system', ${at}::timestamp
    FROM changed`;
}
