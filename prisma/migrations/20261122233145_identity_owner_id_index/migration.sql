-- DropIndex
DROP INDEX "Nhi_realmId_ownerUserId_idx";

-- CreateIndex
CREATE INDEX "Nhi_realmId_ownerUserId_id_idx" ON "Nhi"("realmId", "ownerUserId", "id");
