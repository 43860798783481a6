-- Discovery breadth: GitLab identities, GCP, Entra ID and GitLab sources, and the events providers send
-- about a source (kept once per delivery id, so a redelivery queues no second scan).
-- AlterEnum
ALTER TYPE "NhiProvider" ADD VALUE 'gitlab';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "SourceType" ADD VALUE 'gcp';
ALTER TYPE "SourceType" ADD VALUE 'entra';
ALTER TYPE "SourceType" ADD VALUE 'gitlab';

-- CreateTable
CREATE TABLE "SourceEvent" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "scanId" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SourceEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SourceEvent_realmId_receivedAt_idx" ON "SourceEvent"("realmId", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SourceEvent_realmId_id_key" ON "SourceEvent"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SourceEvent_realmId_sourceId_deliveryId_key" ON "SourceEvent"("realmId", "sourceId", "deliveryId");

-- AddForeignKey
ALTER TABLE "SourceEvent" ADD CONSTRAINT "SourceEvent_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceEvent" ADD CONSTRAINT "SourceEvent_realmId_sourceId_fkey" FOREIGN KEY ("realmId", "sourceId") REFERENCES "Source"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

SELECT nhi_enable_realm_isolation('"SourceEvent"');
