-- Page URLs carry the realm (ADR 0036): the realm a user last chose is where the next login lands.
ALTER TABLE "User" ADD COLUMN "lastRealmId" TEXT;

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_lastRealmId_fkey" FOREIGN KEY ("lastRealmId") REFERENCES "Realm"("id") ON DELETE SET NULL ON UPDATE CASCADE;
