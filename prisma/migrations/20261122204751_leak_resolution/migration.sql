-- AlterTable
ALTER TABLE "Leak" ADD COLUMN     "resolvedAt" TIMESTAMP(3),
ADD COLUMN     "resolvedByScanId" TEXT;
