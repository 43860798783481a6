import type { RealmTx } from '@nhi/platform';

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
 */
export async function queueNotifications(tx: RealmTx, realmId: string, now: Date): Promise<number> {
  const at = now.toISOString();
  return tx.$executeRaw`
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
    )
    INSERT INTO "AlertNotification" (id, "realmId", "channelId", "alertId", "eventId", kind, payload,
      recipient, "nextAttemptAt", "createdAt")
    SELECT gen_random_uuid()::text, ${realmId}, ch.id, a.id, m.id,
      CASE WHEN m."fromState" IS NULL THEN 'alert.opened' ELSE 'alert.reopened' END,
      jsonb_build_object('alertId', a.id, 'ruleId', a."ruleId", 'owaspId', a."owaspId",
        'severity', a.severity, 'state', a.state, 'subject', a.subject, 'nhiId', a."nhiId",
        'credentialId', a."credentialId", 'nhi', n.name, 'environment', n.environment,
        'owner', coalesce(u.email, g.name), 'at', m."createdAt", 'evidence', a.evidence),
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
    JOIN "AlertChannel" AS ch ON ch."realmId" = ${realmId} AND ch.enabled
      AND (cardinality(ch.severities) = 0 OR a.severity = ANY (ch.severities))
      AND (cardinality(ch."ruleIds") = 0 OR a."ruleId" = ANY (ch."ruleIds"))
      AND (cardinality(ch.environments) = 0 OR n.environment = ANY (ch.environments))
      AND (cardinality(ch."ownerGroupIds") = 0 OR EXISTS (SELECT 1 FROM channel_team AS t
        WHERE t."channelId" = ch.id AND t."groupId" = n."ownerGroupId"))
    ON CONFLICT ("realmId", "eventId", "channelId") DO NOTHING`;
}
