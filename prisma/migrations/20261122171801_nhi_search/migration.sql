-- Free-text search of the inventory (name, externalId, description) by substring, at the speed of
-- an index.
--
-- A trigram index answers `ILIKE '%text%'`. Row-level security, however, keeps the planner from
-- using it for application queries: ILIKE is not leakproof, so PostgreSQL evaluates it only after
-- the realm policy and never as an index condition. nhi_search() is therefore the one place that
-- reads the index: it runs as the tables' owner (not subject to the policy) and confines itself to
-- the transaction's realm, the same `app.realm_id` the policy reads. Its callers still query "Nhi"
-- under the policy; they only narrow their query to the ids it returns.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One index over the three searched columns. The line breaks keep a match from spanning two
-- columns in the index; nhi_search() checks each column, which decides the result.
CREATE INDEX "Nhi_search_trgm_idx" ON "Nhi"
  USING gin ((name || E'\n' || "externalId" || E'\n' || coalesce(description, '')) gin_trgm_ops);

-- `pattern` is an ILIKE pattern whose wildcards the caller has escaped. Deleted identities are
-- included; the caller filters them as it does any other list.
-- The search path is fixed to the schema the tables live in, as for any SECURITY DEFINER function.
DO $$
BEGIN
  EXECUTE format($create$
    CREATE FUNCTION nhi_search(pattern text) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, %I
    AS $fn$
      SELECT id FROM "Nhi"
      WHERE "realmId" = current_setting('app.realm_id', true)
        AND (name || E'\n' || "externalId" || E'\n' || coalesce(description, '')) ILIKE pattern
        AND (name ILIKE pattern OR "externalId" ILIKE pattern OR description ILIKE pattern)
    $fn$
  $create$, current_schema());
END
$$;
REVOKE ALL ON FUNCTION nhi_search(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION nhi_search(text) TO nhi_app;
