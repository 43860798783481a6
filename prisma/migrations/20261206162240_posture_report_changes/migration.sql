-- AlterTable
ALTER TABLE "PostureReport" ADD COLUMN     "changes" JSONB;
