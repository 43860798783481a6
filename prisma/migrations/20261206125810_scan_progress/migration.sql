-- AlterTable
ALTER TABLE "Scan" ADD COLUMN     "progress" JSONB;
