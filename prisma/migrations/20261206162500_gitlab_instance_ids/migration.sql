-- GitLab numbers tokens, users and keys per instance, so the external ids of its identities now name
-- the instance (ADR 0059): `gitlab:gitlab.com:pat:1` instead of `gitlab:pat:1`. This rewrites the ids
-- earlier scans stored, with the instance of each source's GitLab URL (gitlab.com without one) spelled
-- as the connector spells it: the host in lower case, without the scheme's default port. A source whose
-- URL is no http(s) URL is left alone: the connector refuses it too. Ids that already name their
-- instance are left as they are, so running the statements again changes nothing.

-- Each GitLab source's instance.
CREATE TEMP TABLE gitlab_instance ON COMMIT DROP AS
SELECT s."realmId", s.id AS "sourceId",
  CASE
    WHEN lower(u.part[1]) = 'https' AND u.part[2] ~ ':443$' THEN lower(left(u.part[2], -4))
    WHEN lower(u.part[1]) = 'http' AND u.part[2] ~ ':80$' THEN lower(left(u.part[2], -3))
    ELSE lower(u.part[2])
  END AS host
FROM "Source" AS s
CROSS JOIN LATERAL (
  SELECT CASE WHEN jsonb_typeof(s.settings -> 'baseUrl') = 'string' THEN btrim(s.settings ->> 'baseUrl') ELSE '' END AS url
) AS setting
CROSS JOIN LATERAL (
  SELECT regexp_match(
    CASE WHEN setting.url = '' THEN 'https://gitlab.com' ELSE setting.url END,
    '^(https?)://(?:[^@/?#]*@)?([^/?#]+)', 'i') AS part
) AS u
WHERE s.type = 'gitlab' AND u.part IS NOT NULL;

-- Each identity of a GitLab source with an id of the old form, with its new id. An identity two
-- sources reported (the collision this change ends) goes to the one that still reports it, then to
-- the one that created it; the other's next scan finds it no longer its own and adds its own.
CREATE TEMP TABLE gitlab_nhi_id ON COMMIT DROP AS
SELECT DISTINCT ON (n."realmId", n.id) n."realmId", n.id AS "nhiId", n."externalId" AS old,
  'gitlab:' || g.host || ':' || substr(n."externalId", 8) AS new
FROM "Nhi" AS n
JOIN gitlab_instance AS g ON g."realmId" = n."realmId"
LEFT JOIN "SourceItem" AS si
  ON si."realmId" = n."realmId" AND si."sourceId" = g."sourceId" AND si."nhiId" = n.id
WHERE n.provider = 'gitlab'
  AND n."externalId" ~ '^gitlab:(pat|bot|project|group|deploy_token|deploy_key|service_account|variable):'
  AND NOT starts_with(n."externalId", 'gitlab:' || g.host || ':')
  AND (si."nhiId" IS NOT NULL OR n."sourceRef" = g."sourceId")
ORDER BY n."realmId", n.id, (si."nhiId" IS NOT NULL AND NOT si.missing) DESC,
  coalesce(n."sourceRef" = g."sourceId", false) DESC, si."updatedAt" DESC NULLS LAST, g."sourceId";

-- An identity already stored under its new id (a scan of the new kind ran first) keeps its place;
-- the old row stays as it is rather than break the realm's unique external id.
DELETE FROM gitlab_nhi_id AS m
USING "Nhi" AS n
WHERE n."realmId" = m."realmId" AND n.provider = 'gitlab' AND n."externalId" = m.new;

UPDATE "Nhi" AS n SET "externalId" = m.new
FROM gitlab_nhi_id AS m
WHERE n."realmId" = m."realmId" AND n.id = m."nhiId";

-- The history's snapshots name the identity as it is now named, so the next change compares like
-- with like instead of reporting a changed external id.
UPDATE "NhiVersion" AS v SET snapshot = jsonb_set(v.snapshot, '{externalId}', to_jsonb(m.new))
FROM gitlab_nhi_id AS m
WHERE v."realmId" = m."realmId" AND v."nhiId" = m."nhiId" AND v.snapshot ->> 'externalId' = m.old;

-- A fact's subject begins with its identity's external id (`<id>|token_1`); facts are the source's
-- own, so each takes its source's instance.
UPDATE "ScanFact" AS f SET subject = 'gitlab:' || g.host || ':' || substr(f.subject, 8)
FROM gitlab_instance AS g
WHERE f."realmId" = g."realmId" AND f."sourceId" = g."sourceId"
  AND f.subject ~ '^gitlab:(pat|bot|project|group|deploy_token|deploy_key|service_account|variable):'
  AND NOT starts_with(f.subject, 'gitlab:' || g.host || ':')
  AND NOT EXISTS (
    SELECT 1 FROM "ScanFact" AS x
    WHERE x."realmId" = f."realmId" AND x."sourceId" = f."sourceId" AND x.kind = f.kind
      AND x.subject = 'gitlab:' || g.host || ':' || substr(f.subject, 8));

-- Alerts quote the facts they were raised on, subjects included.
UPDATE "Alert" AS a SET evidence = jsonb_set(a.evidence, '{facts}', (
  SELECT jsonb_agg(
    CASE WHEN e.fact ->> 'subject' = m.old OR starts_with(e.fact ->> 'subject', m.old || '|')
      THEN jsonb_set(e.fact, '{subject}', to_jsonb(m.new || substr(e.fact ->> 'subject', length(m.old) + 1)))
      ELSE e.fact END
    ORDER BY e.position)
  FROM jsonb_array_elements(a.evidence -> 'facts') WITH ORDINALITY AS e(fact, position)))
FROM gitlab_nhi_id AS m
WHERE a."realmId" = m."realmId" AND a."nhiId" = m."nhiId"
  AND jsonb_typeof(a.evidence -> 'facts') = 'array' AND jsonb_array_length(a.evidence -> 'facts') > 0;
