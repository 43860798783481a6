-- Row-level security: the second wall of realm isolation, behind the realm-scoped client.
--
-- Application queries run inside a transaction that sets `app.realm_id` and switches to the role
-- nhi_app (see packages/platform/src/database/realm-db.ts). Policies compare each row's realmId with
-- that setting, so even a raw query that forgets the realm filter sees only its realm's rows.
-- The tables' owner (migrations, system code) is deliberately not subject to the policies: RLS is
-- enabled, not forced. A superuser bypasses RLS in any case.

-- Roles are cluster-wide on PostgreSQL: several databases, and migrations running at the same time,
-- share one nhi_app. The migrating user must be able to SET ROLE to it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nhi_app') THEN
    BEGIN
      CREATE ROLE nhi_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'nhi_app', 'MEMBER') THEN
    EXECUTE format('GRANT nhi_app TO %I', current_user);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO nhi_app', current_schema());
END
$$;

-- The reusable pattern for every table that carries realmId, in this and later migrations:
--   SELECT nhi_enable_realm_isolation('"TableName"');
-- It enables RLS, (re)creates the policy and grants nhi_app read and write access.
CREATE OR REPLACE FUNCTION nhi_enable_realm_isolation(target regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('DROP POLICY IF EXISTS realm_isolation ON %s', target);
  EXECUTE format(
    $policy$CREATE POLICY realm_isolation ON %s
      USING ("realmId" = current_setting('app.realm_id', true))
      WITH CHECK ("realmId" = current_setting('app.realm_id', true))$policy$,
    target
  );
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO nhi_app', target);
END
$fn$;
REVOKE ALL ON FUNCTION nhi_enable_realm_isolation(regclass) FROM PUBLIC;

SELECT nhi_enable_realm_isolation('"RealmMembership"');
SELECT nhi_enable_realm_isolation('"ApiToken"');
SELECT nhi_enable_realm_isolation('"AuditLog"');

-- The audit log is append-only for the application.
REVOKE UPDATE, DELETE ON "AuditLog" FROM nhi_app;

-- Realm: application code may read its own realm (name, slug), nothing else. Creating realms is
-- cross-realm administration, done by system code.
ALTER TABLE "Realm" ENABLE ROW LEVEL SECURITY;
CREATE POLICY realm_isolation ON "Realm"
  USING ("id" = current_setting('app.realm_id', true));
GRANT SELECT ON "Realm" TO nhi_app;

-- User is global (one login identity, many realms). Application code may read the members of its
-- realm, e.g. to show who owns what; never the password hash, and never write. Login, sessions and
-- user administration are system code.
ALTER TABLE "User" ENABLE ROW LEVEL SECURITY;
CREATE POLICY realm_members ON "User"
  USING (EXISTS (
    SELECT 1 FROM "RealmMembership" m
    WHERE m."userId" = "User"."id" AND m."realmId" = current_setting('app.realm_id', true)
  ));
GRANT SELECT ("id", "email", "displayName", "disabledAt", "createdAt", "updatedAt") ON "User" TO nhi_app;

-- Session and SigningKey serve authentication before any realm is known: no access for nhi_app.
-- Enabling RLS without a policy denies every row should a grant ever be added by mistake.
ALTER TABLE "Session" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "SigningKey" ENABLE ROW LEVEL SECURITY;
