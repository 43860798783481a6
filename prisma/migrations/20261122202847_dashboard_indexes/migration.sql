-- DropIndex
DROP INDEX "NhiRiskScore_realmId_score_idx";

-- CreateIndex
CREATE INDEX "AlertEvent_realmId_createdAt_idx" ON "AlertEvent"("realmId", "createdAt");

-- CreateIndex
CREATE INDEX "NhiRiskScore_realmId_score_nhiId_idx" ON "NhiRiskScore"("realmId", "score", "nhiId");

-- CreateIndex
CREATE INDEX "NhiRiskScore_realmId_computedAt_idx" ON "NhiRiskScore"("realmId", "computedAt");
