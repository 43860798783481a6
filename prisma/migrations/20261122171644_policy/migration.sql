-- CreateTable
CREATE TABLE "PolicyGroup" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "parentId" TEXT,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "builtInRole" "RealmRole",
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyGroupMember" (
    "realmId" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyGroupMember_pkey" PRIMARY KEY ("realmId","groupId","userId")
);

-- CreateTable
CREATE TABLE "Policy" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "builtInKey" TEXT,
    "permissions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyAssignment" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "policyId" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "assignedByType" "ActorType" NOT NULL,
    "assignedById" TEXT,
    "reason" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyEpoch" (
    "realmId" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "PolicyEpoch_pkey" PRIMARY KEY ("realmId")
);

-- CreateIndex
CREATE INDEX "PolicyGroup_realmId_parentId_idx" ON "PolicyGroup"("realmId", "parentId");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyGroup_realmId_id_key" ON "PolicyGroup"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyGroup_realmId_builtInRole_key" ON "PolicyGroup"("realmId", "builtInRole");

-- CreateIndex
CREATE INDEX "PolicyGroupMember_realmId_userId_idx" ON "PolicyGroupMember"("realmId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_realmId_id_key" ON "Policy"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_realmId_name_key" ON "Policy"("realmId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Policy_realmId_builtInKey_key" ON "Policy"("realmId", "builtInKey");

-- CreateIndex
CREATE INDEX "PolicyAssignment_realmId_groupId_idx" ON "PolicyAssignment"("realmId", "groupId");

-- CreateIndex
CREATE INDEX "PolicyAssignment_realmId_policyId_idx" ON "PolicyAssignment"("realmId", "policyId");

-- AddForeignKey
ALTER TABLE "PolicyGroup" ADD CONSTRAINT "PolicyGroup_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyGroup" ADD CONSTRAINT "PolicyGroup_realmId_parentId_fkey" FOREIGN KEY ("realmId", "parentId") REFERENCES "PolicyGroup"("realmId", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyGroupMember" ADD CONSTRAINT "PolicyGroupMember_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyGroupMember" ADD CONSTRAINT "PolicyGroupMember_realmId_groupId_fkey" FOREIGN KEY ("realmId", "groupId") REFERENCES "PolicyGroup"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyGroupMember" ADD CONSTRAINT "PolicyGroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Policy" ADD CONSTRAINT "Policy_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyAssignment" ADD CONSTRAINT "PolicyAssignment_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyAssignment" ADD CONSTRAINT "PolicyAssignment_realmId_policyId_fkey" FOREIGN KEY ("realmId", "policyId") REFERENCES "Policy"("realmId", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyAssignment" ADD CONSTRAINT "PolicyAssignment_realmId_groupId_fkey" FOREIGN KEY ("realmId", "groupId") REFERENCES "PolicyGroup"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyEpoch" ADD CONSTRAINT "PolicyEpoch_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Realm isolation for the policy tables (see 20261122150000_row_level_security).
SELECT nhi_enable_realm_isolation('"PolicyGroup"');
SELECT nhi_enable_realm_isolation('"PolicyGroupMember"');
SELECT nhi_enable_realm_isolation('"Policy"');
SELECT nhi_enable_realm_isolation('"PolicyAssignment"');
SELECT nhi_enable_realm_isolation('"PolicyEpoch"');

-- The epoch of a realm moves in the same transaction as any change that can alter a decision, so
-- every hub process sharing this database sees a cached decision as stale once the change commits.
CREATE OR REPLACE FUNCTION nhi_policy_bump_epoch() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  changed_realm text;
BEGIN
  IF TG_OP = 'DELETE' THEN changed_realm := OLD."realmId"; ELSE changed_realm := NEW."realmId"; END IF;
  UPDATE "PolicyEpoch" SET "epoch" = "epoch" + 1 WHERE "realmId" = changed_realm;
  IF TG_OP = 'UPDATE' AND OLD."realmId" <> NEW."realmId" THEN
    UPDATE "PolicyEpoch" SET "epoch" = "epoch" + 1 WHERE "realmId" = OLD."realmId";
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER policy_epoch AFTER INSERT OR UPDATE OR DELETE ON "PolicyGroup"
  FOR EACH ROW EXECUTE FUNCTION nhi_policy_bump_epoch();
CREATE TRIGGER policy_epoch AFTER INSERT OR UPDATE OR DELETE ON "PolicyGroupMember"
  FOR EACH ROW EXECUTE FUNCTION nhi_policy_bump_epoch();
CREATE TRIGGER policy_epoch AFTER INSERT OR UPDATE OR DELETE ON "Policy"
  FOR EACH ROW EXECUTE FUNCTION nhi_policy_bump_epoch();
CREATE TRIGGER policy_epoch AFTER INSERT OR UPDATE OR DELETE ON "PolicyAssignment"
  FOR EACH ROW EXECUTE FUNCTION nhi_policy_bump_epoch();
-- Built-in groups take their members from the realm role: a role change is a policy change.
CREATE TRIGGER policy_epoch AFTER INSERT OR UPDATE OR DELETE ON "RealmMembership"
  FOR EACH ROW EXECUTE FUNCTION nhi_policy_bump_epoch();

-- Every realm starts with the built-in policies and one built-in group per realm role, each holding
-- the policy that gives exactly the role's former permissions: members keep the access they had.
CREATE OR REPLACE FUNCTION nhi_policy_bootstrap_realm(target_realm text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  admin_policy text := gen_random_uuid()::text;
  analyst_policy text := gen_random_uuid()::text;
  viewer_policy text := gen_random_uuid()::text;
  admin_group text := gen_random_uuid()::text;
  analyst_group text := gen_random_uuid()::text;
  viewer_group text := gen_random_uuid()::text;
BEGIN
  INSERT INTO "PolicyEpoch" ("realmId", "epoch") VALUES (target_realm, 0) ON CONFLICT DO NOTHING;
  INSERT INTO "Policy" ("id", "realmId", "name", "description", "builtInKey", "updatedAt") VALUES
    (admin_policy, target_realm, 'Realm admin', 'Every permission of the realm', 'realm-admin', now()),
    (analyst_policy, target_realm, 'Security analyst', 'Work on the inventory: everything an editor could do', 'security-analyst', now()),
    (viewer_policy, target_realm, 'Viewer', 'Read the inventory', 'viewer', now()),
    (gen_random_uuid()::text, target_realm, 'Policy admin', 'Manage groups, memberships, policies and assignments', 'policy-admin', now());
  INSERT INTO "PolicyGroup" ("id", "realmId", "name", "description", "builtInRole") VALUES
    (admin_group, target_realm, 'Administrators', 'Realm members with the admin role', 'admin'),
    (analyst_group, target_realm, 'Security analysts', 'Realm members with the editor role', 'editor'),
    (viewer_group, target_realm, 'Viewers', 'Realm members with the viewer role', 'viewer');
  INSERT INTO "PolicyAssignment" ("id", "realmId", "policyId", "groupId", "assignedByType", "reason") VALUES
    (gen_random_uuid()::text, target_realm, admin_policy, admin_group, 'system', 'Built-in: the admin role'),
    (gen_random_uuid()::text, target_realm, analyst_policy, analyst_group, 'system', 'Built-in: the editor role'),
    (gen_random_uuid()::text, target_realm, viewer_policy, viewer_group, 'system', 'Built-in: the viewer role');
END
$fn$;
REVOKE ALL ON FUNCTION nhi_policy_bootstrap_realm(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION nhi_policy_bootstrap() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM nhi_policy_bootstrap_realm(NEW."id");
  RETURN NULL;
END
$fn$;

CREATE TRIGGER policy_bootstrap AFTER INSERT ON "Realm"
  FOR EACH ROW EXECUTE FUNCTION nhi_policy_bootstrap();

-- Realms that exist before this migration.
SELECT nhi_policy_bootstrap_realm("id") FROM "Realm";
