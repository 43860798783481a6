-- A policy assignment may be limited to the identities owned by one group's subtree.
-- Row-level security on "PolicyAssignment" is unchanged: a new column needs no new policy.
ALTER TABLE "PolicyAssignment" ADD COLUMN "scopeGroupId" TEXT;

-- CreateIndex
CREATE INDEX "PolicyAssignment_realmId_scopeGroupId_idx" ON "PolicyAssignment"("realmId", "scopeGroupId");

-- AddForeignKey: a group that scopes assignments is not deleted while they stand (never widened to realm-wide).
ALTER TABLE "PolicyAssignment" ADD CONSTRAINT "PolicyAssignment_realmId_scopeGroupId_fkey" FOREIGN KEY ("realmId", "scopeGroupId") REFERENCES "PolicyGroup"("realmId", "id") ON DELETE NO ACTION ON UPDATE CASCADE;
