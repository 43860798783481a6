-- Risk scores belong to an identity of the inventory: the inventory filters by their level through
-- this relation (ADR 0020). A score of an identity that no longer exists counted nowhere; drop it.
DELETE FROM "NhiRiskScore" AS r
WHERE NOT EXISTS (SELECT 1 FROM "Nhi" AS n WHERE n."realmId" = r."realmId" AND n.id = r."nhiId");

-- AddForeignKey
ALTER TABLE "NhiRiskScore" ADD CONSTRAINT "NhiRiskScore_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
