-- CreateEnum
CREATE TYPE "AlertSeverity" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "AlertState" AS ENUM ('open', 'acknowledged', 'resolved', 'suppressed');

-- CreateTable
CREATE TABLE "DomainEvent" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "subjectIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DomainEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertRuleSetting" (
    "realmId" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "thresholds" JSONB NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertRuleSetting_pkey" PRIMARY KEY ("realmId","ruleId")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "owaspId" TEXT NOT NULL,
    "severity" "AlertSeverity" NOT NULL,
    "state" "AlertState" NOT NULL DEFAULT 'open',
    "nhiId" TEXT,
    "credentialId" TEXT,
    "subject" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "stateChangedAt" TIMESTAMP(3) NOT NULL,
    "resolution" TEXT,
    "suppressedUntil" TIMESTAMP(3),
    "suppressReason" TEXT,
    "suppressedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "alertId" TEXT NOT NULL,
    "fromState" "AlertState",
    "toState" "AlertState" NOT NULL,
    "reason" TEXT,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NhiRiskScore" (
    "realmId" TEXT NOT NULL,
    "nhiId" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "level" "AlertSeverity" NOT NULL,
    "factors" JSONB NOT NULL DEFAULT '[]',
    "computedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NhiRiskScore_pkey" PRIMARY KEY ("realmId","nhiId")
);

-- CreateIndex
CREATE INDEX "DomainEvent_realmId_createdAt_idx" ON "DomainEvent"("realmId", "createdAt");

-- CreateIndex
CREATE INDEX "Alert_realmId_state_severity_idx" ON "Alert"("realmId", "state", "severity");

-- CreateIndex
CREATE INDEX "Alert_realmId_nhiId_idx" ON "Alert"("realmId", "nhiId");

-- CreateIndex
CREATE INDEX "Alert_realmId_ruleId_idx" ON "Alert"("realmId", "ruleId");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_realmId_id_key" ON "Alert"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_realmId_fingerprint_key" ON "Alert"("realmId", "fingerprint");

-- CreateIndex
CREATE INDEX "AlertEvent_realmId_alertId_createdAt_idx" ON "AlertEvent"("realmId", "alertId", "createdAt");

-- CreateIndex
CREATE INDEX "NhiRiskScore_realmId_score_idx" ON "NhiRiskScore"("realmId", "score");

-- AddForeignKey
ALTER TABLE "DomainEvent" ADD CONSTRAINT "DomainEvent_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertRuleSetting" ADD CONSTRAINT "AlertRuleSetting_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertEvent" ADD CONSTRAINT "AlertEvent_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertEvent" ADD CONSTRAINT "AlertEvent_realmId_alertId_fkey" FOREIGN KEY ("realmId", "alertId") REFERENCES "Alert"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NhiRiskScore" ADD CONSTRAINT "NhiRiskScore_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Realm isolation for the domain event and alert tables (see 20261122150000_row_level_security).
SELECT nhi_enable_realm_isolation('"DomainEvent"');
SELECT nhi_enable_realm_isolation('"AlertRuleSetting"');
SELECT nhi_enable_realm_isolation('"Alert"');
SELECT nhi_enable_realm_isolation('"AlertEvent"');
SELECT nhi_enable_realm_isolation('"NhiRiskScore"');
