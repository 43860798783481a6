-- AlterTable
ALTER TABLE "Leak" ADD COLUMN     "secretType" TEXT,
ADD COLUMN     "verification" TEXT;
