-- Saved views (ADR 0038): a member's named set of a page's search parameters, kept for themself
-- or shared with the realm. Listing reads the caller's own views (the unique key) and the shared ones.
-- CreateEnum
CREATE TYPE "SavedViewPage" AS ENUM ('alerts', 'inventory');

-- CreateTable
CREATE TABLE "SavedView" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "ownerUserId" TEXT NOT NULL,
    "page" "SavedViewPage" NOT NULL,
    "name" TEXT NOT NULL,
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "search" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SavedView_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SavedView_realmId_page_shared_idx" ON "SavedView"("realmId", "page", "shared");

-- CreateIndex
CREATE UNIQUE INDEX "SavedView_realmId_ownerUserId_page_name_key" ON "SavedView"("realmId", "ownerUserId", "page", "name");

-- AddForeignKey
ALTER TABLE "SavedView" ADD CONSTRAINT "SavedView_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SavedView" ADD CONSTRAINT "SavedView_ownerUserId_fkey" FOREIGN KEY ("ownerUserId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

SELECT nhi_enable_realm_isolation('"SavedView"');
