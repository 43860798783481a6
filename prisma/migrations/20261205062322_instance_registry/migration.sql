-- CreateEnum
CREATE TYPE "InstanceStatus" AS ENUM ('active', 'draining', 'down');

-- AlterTable
ALTER TABLE "Realm" ADD COLUMN     "instanceId" TEXT;

-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "status" "InstanceStatus" NOT NULL DEFAULT 'active',
    "version" TEXT,
    "lastHeartbeatAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Instance_name_key" ON "Instance"("name");

-- CreateIndex
CREATE INDEX "Realm_instanceId_idx" ON "Realm"("instanceId");

-- AddForeignKey
ALTER TABLE "Realm" ADD CONSTRAINT "Realm_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The instance registry serves system code only: no access for nhi_app, and RLS without a policy as a backstop.
ALTER TABLE "Instance" ENABLE ROW LEVEL SECURITY;
