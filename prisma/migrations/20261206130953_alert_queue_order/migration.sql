-- CreateIndex
CREATE INDEX "Alert_realmId_stateChangedAt_id_idx" ON "Alert"("realmId", "stateChangedAt" DESC, "id" DESC);
