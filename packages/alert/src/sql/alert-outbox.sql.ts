import { type RealmTx, type Sql, sql } from '@nhi/platform';

/**
 * Queues the notifications of the history entries marked `notify`, in the transaction that wrote
 * them (a transactional outbox): one row per entry and matching channel, never two (unique key).
 * A channel matches when the alert's severity, rule and NHI environment are in its lists (an empty
 * list matches all), and, for a channel routed to owner teams, when the NHI's owner team is one of
 * them or below one of them (an alert about no identity or an unowned one reaches only channels
 * serving every team). Owner-first: an email channel with `toOwner` addresses the NHI's owner, or the
 * members of its owner group (explicit members, and for a built-in group the realm members of its
 * role; disabled accounts and former members left out), and falls back to its own recipients when
 * nobody is found. Digest channels get the end of the current
 * window (windows are aligned on the epoch) as their due time, so the delivery job sends the window's alerts as one message.
 * A ticket tracker with `autoCreate` gets no message: the alert's ticket row is inserted (one per
 * fingerprint and tracker, never two: unique key) and, only when it is new, a `ticket.create`.
 */
export async function queueNotifications(tx: RealmTx, realmId: string, now: Date): Promise<number> {
  const at = now.toISOString();
  const [counts] = await tx.$queryRaw<{ queued: number }[]>`
    WITH RECURSIVE channel_team AS (
      SELECT c.id AS "channelId", g.id AS "groupId"
      FROM "AlertChannel" AS c JOIN "PolicyGroup" AS g ON g."realmId" = c."realmId" AND g.id = ANY (c."ownerGroupIds")
      WHERE c."realmId" = ${realmId} AND c.enabled
      UNION
      SELECT t."channelId", child.id
      FROM channel_team AS t JOIN "PolicyGroup" AS child ON child."realmId" = ${realmId} AND child."parentId" = t."groupId"
    ),
    marked AS (
      UPDATE "AlertEvent" AS e SET notify = false
      WHERE e."realmId" = ${realmId} AND e.notify
      RETURNING e.id, e."alertId", e."fromState", e."createdAt"
    ),
    ticketed AS (
      INSERT INTO "AlertTicket" (id, "realmId", "channelId", "alertId", fingerprint, "createdAt", "updatedAt")
      SELECT DISTINCT ON (ch.id, a.fingerprint) gen_random_uuid()::text, ${realmId}, ch.id, a.id,
        a.fingerprint, ${at}::timestamp, ${at}::timestamp
      FROM marked AS m
      JOIN "Alert" AS a ON a."realmId" = ${realmId} AND a.id = m."alertId"
      LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
      JOIN "AlertChannel" AS ch ON ch."realmId" = ${realmId} AND ${routedTo()}
        AND ch.type IN ('jira', 'servicenow') AND coalesce((ch.settings ->> 'autoCreate')::boolean, false)
      -- Checked once: a realm without a tracker (most) skips the joins over what was marked.
      WHERE EXISTS (SELECT 1 FROM "AlertChannel" AS tc
        WHERE tc."realmId" = ${realmId} AND tc.enabled AND tc.type IN ('jira', 'servicenow'))
      ORDER BY ch.id, a.fingerprint, a.id
      ON CONFLICT ("realmId", "channelId", fingerprint) DO NOTHING
      RETURNING id, "channelId", "alertId"
    ),
    ticket_creates AS (
      INSERT INTO "AlertNotification" (id, "realmId", "channelId", "alertId", kind, payload, "nextAttemptAt", "createdAt")
      SELECT gen_random_uuid()::text, ${realmId}, t."channelId", a.id, 'ticket.create',
        ${ticketNotice(sql`${at}::timestamp`)}, ${at}::timestamp, ${at}::timestamp
      FROM ticketed AS t
      JOIN "Alert" AS a ON a."realmId" = ${realmId} AND a.id = t."alertId"
      LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
      LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
      LEFT JOIN "PolicyGroup" AS g ON g."realmId" = ${realmId} AND g.id = n."ownerGroupId"
      RETURNING 1
    ),
    messages AS (
    INSERT INTO "AlertNotification" (id, "realmId", "channelId", "alertId", "eventId", kind, payload,
      recipient, "nextAttemptAt", "createdAt")
    SELECT gen_random_uuid()::text, ${realmId}, ch.id, a.id, m.id,
      CASE WHEN m."fromState" IS NULL THEN 'alert.opened' ELSE 'alert.reopened' END,
      ${noticeOf(sql`m."createdAt"`)},
      CASE WHEN ch.type = 'email' AND coalesce((ch.settings ->> 'toOwner')::boolean, false)
        THEN coalesce(u.email, team.emails) END,
      CASE WHEN ch."digestMinutes" IS NULL THEN ${at}::timestamp
        ELSE to_timestamp((floor(extract(epoch FROM ${at}::timestamp) / (ch."digestMinutes" * 60.0)) + 1)
          * ch."digestMinutes" * 60) AT TIME ZONE 'UTC' END,
      ${at}::timestamp
    FROM marked AS m
    JOIN "Alert" AS a ON a."realmId" = ${realmId} AND a.id = m."alertId"
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
    LEFT JOIN "PolicyGroup" AS g ON g."realmId" = ${realmId} AND g.id = n."ownerGroupId"
    LEFT JOIN LATERAL (
      SELECT string_agg(gu.email, ', ' ORDER BY gu.email) AS emails
      FROM "RealmMembership" AS rm JOIN "User" AS gu ON gu.id = rm."userId"
      WHERE g.id IS NOT NULL AND rm."realmId" = ${realmId} AND gu."disabledAt" IS NULL
        AND (rm.role = g."builtInRole" OR EXISTS (SELECT 1 FROM "PolicyGroupMember" AS gm
          WHERE gm."realmId" = ${realmId} AND gm."groupId" = g.id AND gm."userId" = rm."userId"))
    ) AS team ON true
    JOIN "AlertChannel" AS ch ON ch."realmId" = ${realmId} AND ${routedTo()} AND ch.type IN ('webhook', 'slack', 'email')
    ON CONFLICT ("realmId", "eventId", "channelId") DO NOTHING
    RETURNING 1
    )
    SELECT ((SELECT count(*) FROM messages) + (SELECT count(*) FROM ticket_creates))::int AS queued`;
  return counts?.queued ?? 0;
}

/**
 * The channel `ch` (of the alert's realm: the join names it) routes the alert `a` about the identity `n`: enabled, and the alert's severity,
 * rule and NHI environment in its lists (empty: all), and the owner team served (channel_team).
 */
function routedTo(): Sql {
  return sql`ch.enabled
      AND (cardinality(ch.severities) = 0 OR a.severity = ANY (ch.severities))
      AND (cardinality(ch."ruleIds") = 0 OR a."ruleId" = ANY (ch."ruleIds"))
      AND (cardinality(ch.environments) = 0 OR n.environment = ANY (ch.environments))
      AND (cardinality(ch."ownerGroupIds") = 0 OR EXISTS (SELECT 1 FROM channel_team AS t
        WHERE t."channelId" = ch.id AND t."groupId" = n."ownerGroupId"))`;
}

/** The AlertNotice of the alert `a` about `n` (owner `u` or team `g`), as of `at`. */
export function noticeOf(at: Sql): Sql {
  return sql`jsonb_build_object('alertId', a.id, 'ruleId', a."ruleId", 'owaspId', a."owaspId",
        'severity', a.severity, 'state', a.state, 'subject', a.subject, 'nhiId', a."nhiId",
        'credentialId', a."credentialId", 'nhi', n.name, 'environment', n.environment,
        'owner', coalesce(u.email, g.name), 'at', ${at}, 'evidence', a.evidence)`;
}

/** A ticket create's payload: the notice, the ticket row (`t.id`) it fills and the alert's fingerprint. */
export function ticketNotice(at: Sql): Sql {
  return sql`${noticeOf(at)} || jsonb_build_object('ticketId', t.id, 'fingerprint', a.fingerprint)`;
}
