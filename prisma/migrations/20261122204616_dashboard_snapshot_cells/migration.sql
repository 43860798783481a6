-- AlterTable
ALTER TABLE "DashboardSnapshot" ADD COLUMN     "cells" JSONB NOT NULL DEFAULT '[]';
