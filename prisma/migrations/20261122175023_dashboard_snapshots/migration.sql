-- CreateTable
CREATE TABLE "DashboardSnapshot" (
    "realmId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "openAlerts" INTEGER NOT NULL,
    "riskScore" DOUBLE PRECISION NOT NULL,
    "figures" JSONB NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DashboardSnapshot_pkey" PRIMARY KEY ("realmId","day")
);

-- AddForeignKey
ALTER TABLE "DashboardSnapshot" ADD CONSTRAINT "DashboardSnapshot_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Realm isolation for the dashboard snapshots (see 20261122150000_row_level_security).
SELECT nhi_enable_realm_isolation('"DashboardSnapshot"');
