-- CreateEnum
CREATE TYPE "AlertChannelType" AS ENUM ('webhook', 'slack', 'email');

-- CreateEnum
CREATE TYPE "NotificationState" AS ENUM ('pending', 'sending', 'delivered', 'dead');

-- AlterTable
ALTER TABLE "AlertEvent" ADD COLUMN     "notify" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "AlertChannel" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "type" "AlertChannelType" NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "encryptedSecret" TEXT,
    "severities" "AlertSeverity"[] DEFAULT ARRAY[]::"AlertSeverity"[],
    "ruleIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "environments" "NhiEnvironment"[] DEFAULT ARRAY[]::"NhiEnvironment"[],
    "digestMinutes" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertNotification" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "alertId" TEXT,
    "eventId" TEXT,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "recipient" TEXT,
    "state" "NotificationState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "lockedUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertNotification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDeliveryAttempt" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "notificationId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "status" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertDeliveryAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AlertChannel_realmId_id_key" ON "AlertChannel"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "AlertChannel_realmId_name_key" ON "AlertChannel"("realmId", "name");

-- CreateIndex
CREATE INDEX "AlertNotification_realmId_state_nextAttemptAt_idx" ON "AlertNotification"("realmId", "state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "AlertNotification_realmId_createdAt_idx" ON "AlertNotification"("realmId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AlertNotification_realmId_id_key" ON "AlertNotification"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "AlertNotification_realmId_eventId_channelId_key" ON "AlertNotification"("realmId", "eventId", "channelId");

-- CreateIndex
CREATE INDEX "AlertDeliveryAttempt_realmId_notificationId_idx" ON "AlertDeliveryAttempt"("realmId", "notificationId");

-- CreateIndex
CREATE INDEX "AlertEvent_realmId_notify_idx" ON "AlertEvent"("realmId", "notify");

-- AddForeignKey
ALTER TABLE "AlertChannel" ADD CONSTRAINT "AlertChannel_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertNotification" ADD CONSTRAINT "AlertNotification_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertNotification" ADD CONSTRAINT "AlertNotification_realmId_channelId_fkey" FOREIGN KEY ("realmId", "channelId") REFERENCES "AlertChannel"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDeliveryAttempt" ADD CONSTRAINT "AlertDeliveryAttempt_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDeliveryAttempt" ADD CONSTRAINT "AlertDeliveryAttempt_realmId_notificationId_fkey" FOREIGN KEY ("realmId", "notificationId") REFERENCES "AlertNotification"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Realm isolation for the notification tables (see 20261122150000_row_level_security).
SELECT nhi_enable_realm_isolation('"AlertChannel"');
SELECT nhi_enable_realm_isolation('"AlertNotification"');
SELECT nhi_enable_realm_isolation('"AlertDeliveryAttempt"');
