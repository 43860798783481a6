-- Ownership suggestions (ADR 0041): an owner group or user proposed for an unowned identity from
-- its source's metadata, accepted or rejected by an administrator. One row per identity and reason,
-- so a rejected suggestion is not raised again while the source says the same.
-- CreateEnum
CREATE TYPE "OwnerSuggestionState" AS ENUM ('pending', 'accepted', 'rejected');

-- CreateTable
CREATE TABLE "OwnerSuggestion" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "nhiId" TEXT NOT NULL,
    "groupId" TEXT,
    "userId" TEXT,
    "reason" TEXT NOT NULL,
    "state" "OwnerSuggestionState" NOT NULL DEFAULT 'pending',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),
    "decidedById" TEXT,

    CONSTRAINT "OwnerSuggestion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OwnerSuggestion_realmId_state_groupId_idx" ON "OwnerSuggestion"("realmId", "state", "groupId");

-- CreateIndex
CREATE INDEX "OwnerSuggestion_realmId_userId_idx" ON "OwnerSuggestion"("realmId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "OwnerSuggestion_realmId_nhiId_reason_key" ON "OwnerSuggestion"("realmId", "nhiId", "reason");

-- AddForeignKey
ALTER TABLE "OwnerSuggestion" ADD CONSTRAINT "OwnerSuggestion_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OwnerSuggestion" ADD CONSTRAINT "OwnerSuggestion_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OwnerSuggestion" ADD CONSTRAINT "OwnerSuggestion_realmId_groupId_fkey" FOREIGN KEY ("realmId", "groupId") REFERENCES "PolicyGroup"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OwnerSuggestion" ADD CONSTRAINT "OwnerSuggestion_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

SELECT nhi_enable_realm_isolation('"OwnerSuggestion"');
