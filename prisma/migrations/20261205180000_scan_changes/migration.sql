-- What each scan changed per identity (added, changed, missing), for the scan page and the inventory filter by scan.
-- AlterTable
ALTER TABLE "Scan" ADD COLUMN     "itemsRead" INTEGER,
ADD COLUMN     "itemsUnit" TEXT;

-- CreateTable
CREATE TABLE "ScanChange" (
    "realmId" TEXT NOT NULL,
    "scanId" TEXT NOT NULL,
    "nhiId" TEXT NOT NULL,
    "change" TEXT NOT NULL,
    "fields" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScanChange_pkey" PRIMARY KEY ("realmId","scanId","nhiId")
);

-- CreateIndex
CREATE INDEX "ScanChange_realmId_nhiId_idx" ON "ScanChange"("realmId", "nhiId");

-- CreateIndex
CREATE INDEX "ScanChange_realmId_scanId_change_idx" ON "ScanChange"("realmId", "scanId", "change");

-- AddForeignKey
ALTER TABLE "ScanChange" ADD CONSTRAINT "ScanChange_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScanChange" ADD CONSTRAINT "ScanChange_realmId_scanId_fkey" FOREIGN KEY ("realmId", "scanId") REFERENCES "Scan"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScanChange" ADD CONSTRAINT "ScanChange_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

SELECT nhi_enable_realm_isolation('"ScanChange"');
