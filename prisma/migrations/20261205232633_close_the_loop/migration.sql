-- Closing the loop: tickets of alerts in Jira or ServiceNow (tracker channels, one ticket per alert
-- fingerprint and tracker), remediation actions with their dry run, approval and provider answer, and
-- posture reports mailed on a schedule. Remediation is off in every realm until an administrator
-- turns it on.
-- CreateEnum
CREATE TYPE "RemediationState" AS ENUM ('awaiting_approval', 'rejected', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "ReportCadence" AS ENUM ('weekly', 'monthly');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "AlertChannelType" ADD VALUE 'jira';
ALTER TYPE "AlertChannelType" ADD VALUE 'servicenow';

-- AlterTable
ALTER TABLE "AlertChannel" ADD COLUMN     "lastSyncAt" TIMESTAMP(3),
ADD COLUMN     "lastSyncError" TEXT,
ADD COLUMN     "syncCursor" TEXT;

-- AlterTable
ALTER TABLE "Realm" ADD COLUMN     "remediationApproval" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "remediationEnabled" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "AlertTicket" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "alertId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "externalId" TEXT,
    "externalKey" TEXT,
    "url" TEXT,
    "status" TEXT,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "lastSyncedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertTicket_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RemediationAction" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "nhiId" TEXT NOT NULL,
    "credentialId" TEXT,
    "sourceId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" JSONB NOT NULL DEFAULT '{}',
    "plan" JSONB NOT NULL DEFAULT '{}',
    "state" "RemediationState" NOT NULL,
    "reason" TEXT,
    "requestedById" TEXT,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "providerResponse" JSONB,
    "error" TEXT,
    "scanId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RemediationAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportSchedule" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "cadence" "ReportCadence" NOT NULL,
    "channelId" TEXT NOT NULL,
    "recipients" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "nextRunAt" TIMESTAMP(3) NOT NULL,
    "lastSentAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReportSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PostureReport" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "figures" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PostureReport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AlertTicket_realmId_alertId_idx" ON "AlertTicket"("realmId", "alertId");

-- CreateIndex
CREATE INDEX "AlertTicket_realmId_channelId_externalId_idx" ON "AlertTicket"("realmId", "channelId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "AlertTicket_realmId_id_key" ON "AlertTicket"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "AlertTicket_realmId_channelId_fingerprint_key" ON "AlertTicket"("realmId", "channelId", "fingerprint");

-- CreateIndex
CREATE INDEX "RemediationAction_realmId_nhiId_createdAt_idx" ON "RemediationAction"("realmId", "nhiId", "createdAt");

-- CreateIndex
CREATE INDEX "RemediationAction_realmId_state_createdAt_idx" ON "RemediationAction"("realmId", "state", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "RemediationAction_realmId_id_key" ON "RemediationAction"("realmId", "id");

-- CreateIndex
CREATE INDEX "ReportSchedule_enabled_nextRunAt_idx" ON "ReportSchedule"("enabled", "nextRunAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReportSchedule_realmId_id_key" ON "ReportSchedule"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ReportSchedule_realmId_name_key" ON "ReportSchedule"("realmId", "name");

-- CreateIndex
CREATE INDEX "PostureReport_realmId_createdAt_idx" ON "PostureReport"("realmId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "PostureReport_realmId_id_key" ON "PostureReport"("realmId", "id");

-- AddForeignKey
ALTER TABLE "AlertTicket" ADD CONSTRAINT "AlertTicket_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertTicket" ADD CONSTRAINT "AlertTicket_realmId_channelId_fkey" FOREIGN KEY ("realmId", "channelId") REFERENCES "AlertChannel"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertTicket" ADD CONSTRAINT "AlertTicket_realmId_alertId_fkey" FOREIGN KEY ("realmId", "alertId") REFERENCES "Alert"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RemediationAction" ADD CONSTRAINT "RemediationAction_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RemediationAction" ADD CONSTRAINT "RemediationAction_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RemediationAction" ADD CONSTRAINT "RemediationAction_realmId_sourceId_fkey" FOREIGN KEY ("realmId", "sourceId") REFERENCES "Source"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportSchedule" ADD CONSTRAINT "ReportSchedule_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportSchedule" ADD CONSTRAINT "ReportSchedule_realmId_channelId_fkey" FOREIGN KEY ("realmId", "channelId") REFERENCES "AlertChannel"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PostureReport" ADD CONSTRAINT "PostureReport_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

SELECT nhi_enable_realm_isolation('"AlertTicket"');
SELECT nhi_enable_realm_isolation('"RemediationAction"');
SELECT nhi_enable_realm_isolation('"ReportSchedule"');
SELECT nhi_enable_realm_isolation('"PostureReport"');
