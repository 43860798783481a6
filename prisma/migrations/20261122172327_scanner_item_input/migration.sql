-- AlterTable
ALTER TABLE "SourceItem" DROP CONSTRAINT "SourceItem_pkey",
ADD COLUMN     "input" TEXT NOT NULL,
ADD CONSTRAINT "SourceItem_pkey" PRIMARY KEY ("realmId", "sourceId", "input", "nhiId");
