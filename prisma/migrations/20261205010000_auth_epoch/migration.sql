-- A user's authentication epoch: it moves, in the same transaction, with every change that must end
-- what that user's credentials could do (a session revoked, a token revoked or changed, the account
-- disabled, its password or email changed). Processes cache verified credentials labelled with it
-- and read it at each use (ADR 0024). Membership changes move the realm's PolicyEpoch instead.
ALTER TABLE "User" ADD COLUMN "authEpoch" BIGINT NOT NULL DEFAULT 0;
-- A counter with nothing to hide; the column list of the grant to nhi_app is explicit.
GRANT SELECT ("authEpoch") ON "User" TO nhi_app;

CREATE OR REPLACE FUNCTION nhi_auth_epoch_on_user() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  NEW."authEpoch" := OLD."authEpoch" + 1;
  RETURN NEW;
END
$fn$;

CREATE TRIGGER auth_epoch BEFORE UPDATE ON "User"
  FOR EACH ROW
  WHEN (OLD."disabledAt" IS DISTINCT FROM NEW."disabledAt"
    OR OLD."passwordHash" IS DISTINCT FROM NEW."passwordHash"
    OR OLD."email" IS DISTINCT FROM NEW."email")
  EXECUTE FUNCTION nhi_auth_epoch_on_user();

-- Security definer: tokens are revoked by application code (nhi_app), which may not write "User".
-- The search path is fixed to the schema the tables live in, as for any SECURITY DEFINER function.
DO $$
BEGIN
  EXECUTE format($create$
    CREATE FUNCTION nhi_auth_epoch_of_holder() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, %I
    AS $fn$
    BEGIN
      UPDATE "User" SET "authEpoch" = "authEpoch" + 1 WHERE "id" = OLD."userId";
      IF TG_OP = 'UPDATE' AND NEW."userId" <> OLD."userId" THEN
        UPDATE "User" SET "authEpoch" = "authEpoch" + 1 WHERE "id" = NEW."userId";
      END IF;
      RETURN NULL;
    END
    $fn$
  $create$, current_schema());
END
$$;
REVOKE ALL ON FUNCTION nhi_auth_epoch_of_holder() FROM PUBLIC;

-- A renewal only moves a session's expiry later; anything else about a session ends cached use of it.
CREATE TRIGGER auth_epoch AFTER UPDATE ON "Session"
  FOR EACH ROW
  WHEN (OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt"
    OR OLD."userId" <> NEW."userId"
    OR NEW."expiresAt" < OLD."expiresAt")
  EXECUTE FUNCTION nhi_auth_epoch_of_holder();
CREATE TRIGGER auth_epoch_delete AFTER DELETE ON "Session"
  FOR EACH ROW EXECUTE FUNCTION nhi_auth_epoch_of_holder();

-- lastUsedAt is bookkeeping: writing it ends nothing.
CREATE TRIGGER auth_epoch AFTER UPDATE ON "ApiToken"
  FOR EACH ROW
  WHEN (OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt"
    OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt"
    OR OLD."permissions" IS DISTINCT FROM NEW."permissions"
    OR OLD."tokenHash" <> NEW."tokenHash"
    OR OLD."realmId" <> NEW."realmId"
    OR OLD."userId" <> NEW."userId")
  EXECUTE FUNCTION nhi_auth_epoch_of_holder();
CREATE TRIGGER auth_epoch_delete AFTER DELETE ON "ApiToken"
  FOR EACH ROW EXECUTE FUNCTION nhi_auth_epoch_of_holder();
