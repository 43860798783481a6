-- A team's identities are counted from the index alone (the inventory's total and its expiring
-- filter, the dashboard's figures for a scoped member): the owner team index gains the columns
-- those counts test. It keeps serving the owner team foreign key, which it starts with.
DROP INDEX "Nhi_realmId_ownerGroupId_idx";

-- CreateIndex
CREATE INDEX "Nhi_realmId_ownerGroupId_deletedAt_nextCredentialExpiresAt_idx" ON "Nhi"("realmId", "ownerGroupId", "deletedAt", "nextCredentialExpiresAt");
