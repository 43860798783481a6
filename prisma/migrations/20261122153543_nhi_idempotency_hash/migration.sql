-- AlterTable
ALTER TABLE "Nhi" ADD COLUMN     "idempotencyHash" TEXT;
