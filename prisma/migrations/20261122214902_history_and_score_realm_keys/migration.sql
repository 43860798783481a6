-- DropForeignKey
ALTER TABLE "AlertEvent" DROP CONSTRAINT "AlertEvent_realmId_fkey";

-- DropForeignKey
ALTER TABLE "NhiRiskScore" DROP CONSTRAINT "NhiRiskScore_realmId_fkey";
