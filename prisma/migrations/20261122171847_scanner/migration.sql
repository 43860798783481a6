-- CreateEnum
CREATE TYPE "SourceType" AS ENUM ('aws_iam', 'kubernetes', 'github', 'secrets');

-- CreateEnum
CREATE TYPE "ScanState" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "Source" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "type" "SourceType" NOT NULL,
    "name" TEXT NOT NULL,
    "environment" "NhiEnvironment" NOT NULL DEFAULT 'unknown',
    "schedule" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "encryptedSecrets" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Scan" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "input" TEXT NOT NULL,
    "state" "ScanState" NOT NULL DEFAULT 'queued',
    "phase" TEXT,
    "complete" BOOLEAN NOT NULL DEFAULT true,
    "itemsTotal" INTEGER,
    "itemsProcessed" INTEGER NOT NULL DEFAULT 0,
    "newCount" INTEGER NOT NULL DEFAULT 0,
    "updatedCount" INTEGER NOT NULL DEFAULT 0,
    "unchangedCount" INTEGER NOT NULL DEFAULT 0,
    "missingCount" INTEGER NOT NULL DEFAULT 0,
    "leakCount" INTEGER NOT NULL DEFAULT 0,
    "warningCount" INTEGER NOT NULL DEFAULT 0,
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "jobId" TEXT,
    "uploadName" TEXT,
    "uploadSize" INTEGER,
    "uploadEncrypted" BYTEA,
    "triggeredByType" "ActorType" NOT NULL,
    "triggeredById" TEXT,
    "cancelRequestedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Scan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SourceItem" (
    "realmId" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "nhiId" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "missing" BOOLEAN NOT NULL DEFAULT false,
    "lastScanId" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SourceItem_pkey" PRIMARY KEY ("realmId","sourceId","nhiId")
);

-- CreateTable
CREATE TABLE "ScanFact" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "nhiId" TEXT,
    "credentialId" TEXT,
    "sourceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScanFact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Leak" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "scanId" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "line" INTEGER,
    "commit" TEXT,
    "maskedMatch" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "locationKey" TEXT NOT NULL,
    "credentialId" TEXT,
    "nhiId" TEXT,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Leak_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Source_realmId_id_key" ON "Source"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Source_realmId_name_key" ON "Source"("realmId", "name");

-- CreateIndex
CREATE INDEX "Scan_realmId_sourceId_createdAt_idx" ON "Scan"("realmId", "sourceId", "createdAt");

-- CreateIndex
CREATE INDEX "Scan_realmId_createdAt_idx" ON "Scan"("realmId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Scan_realmId_id_key" ON "Scan"("realmId", "id");

-- CreateIndex
CREATE INDEX "SourceItem_realmId_nhiId_idx" ON "SourceItem"("realmId", "nhiId");

-- CreateIndex
CREATE INDEX "ScanFact_realmId_kind_idx" ON "ScanFact"("realmId", "kind");

-- CreateIndex
CREATE INDEX "ScanFact_realmId_nhiId_idx" ON "ScanFact"("realmId", "nhiId");

-- CreateIndex
CREATE UNIQUE INDEX "ScanFact_realmId_sourceId_kind_subject_key" ON "ScanFact"("realmId", "sourceId", "kind", "subject");

-- CreateIndex
CREATE INDEX "Leak_realmId_lastSeenAt_idx" ON "Leak"("realmId", "lastSeenAt");

-- CreateIndex
CREATE INDEX "Leak_realmId_fingerprint_idx" ON "Leak"("realmId", "fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "Leak_realmId_sourceId_fingerprint_locationKey_key" ON "Leak"("realmId", "sourceId", "fingerprint", "locationKey");

-- AddForeignKey
ALTER TABLE "Source" ADD CONSTRAINT "Source_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Scan" ADD CONSTRAINT "Scan_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Scan" ADD CONSTRAINT "Scan_realmId_sourceId_fkey" FOREIGN KEY ("realmId", "sourceId") REFERENCES "Source"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceItem" ADD CONSTRAINT "SourceItem_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceItem" ADD CONSTRAINT "SourceItem_realmId_sourceId_fkey" FOREIGN KEY ("realmId", "sourceId") REFERENCES "Source"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceItem" ADD CONSTRAINT "SourceItem_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScanFact" ADD CONSTRAINT "ScanFact_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScanFact" ADD CONSTRAINT "ScanFact_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScanFact" ADD CONSTRAINT "ScanFact_realmId_sourceId_fkey" FOREIGN KEY ("realmId", "sourceId") REFERENCES "Source"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Leak" ADD CONSTRAINT "Leak_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Leak" ADD CONSTRAINT "Leak_realmId_sourceId_fkey" FOREIGN KEY ("realmId", "sourceId") REFERENCES "Source"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Realm isolation for the scanner tables (see 20261122150000_row_level_security).
SELECT nhi_enable_realm_isolation('"Source"');
SELECT nhi_enable_realm_isolation('"Scan"');
SELECT nhi_enable_realm_isolation('"SourceItem"');
SELECT nhi_enable_realm_isolation('"ScanFact"');
SELECT nhi_enable_realm_isolation('"Leak"');
