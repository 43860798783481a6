-- DropIndex
DROP INDEX "Nhi_realmId_deletedAt_name_idx";

-- DropIndex
DROP INDEX "Nhi_realmId_deletedAt_updatedAt_idx";

-- DropIndex
DROP INDEX "Nhi_realmId_nextCredentialExpiresAt_idx";

-- DropIndex
DROP INDEX "Nhi_realmId_oldestActiveCredentialAt_idx";

-- CreateIndex
CREATE INDEX "Nhi_realmId_deletedAt_idx" ON "Nhi"("realmId", "deletedAt");

-- CreateIndex
CREATE INDEX "Nhi_realmId_name_id_deletedAt_idx" ON "Nhi"("realmId", "name", "id", "deletedAt");

-- CreateIndex
CREATE INDEX "Nhi_realmId_updatedAt_id_deletedAt_idx" ON "Nhi"("realmId", "updatedAt", "id", "deletedAt");

-- CreateIndex
CREATE INDEX "Nhi_realmId_lastUsedAt_id_deletedAt_idx" ON "Nhi"("realmId", "lastUsedAt", "id", "deletedAt");

-- CreateIndex
CREATE INDEX "Nhi_realmId_oldestActiveCredentialAt_id_deletedAt_idx" ON "Nhi"("realmId", "oldestActiveCredentialAt", "id", "deletedAt");

-- CreateIndex
CREATE INDEX "Nhi_realmId_nextCredentialExpiresAt_id_deletedAt_idx" ON "Nhi"("realmId", "nextCredentialExpiresAt", "id", "deletedAt");
