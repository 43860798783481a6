-- AlterTable
ALTER TABLE "Nhi" ADD COLUMN     "ownerGroupId" TEXT;

-- CreateIndex
CREATE INDEX "Nhi_realmId_ownerGroupId_idx" ON "Nhi"("realmId", "ownerGroupId");

-- AddForeignKey
ALTER TABLE "Nhi" ADD CONSTRAINT "Nhi_realmId_ownerGroupId_fkey" FOREIGN KEY ("realmId", "ownerGroupId") REFERENCES "PolicyGroup"("realmId", "id") ON DELETE NO ACTION ON UPDATE CASCADE;
