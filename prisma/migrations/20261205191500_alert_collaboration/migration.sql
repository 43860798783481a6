-- Alert collaboration: an assignee (a realm member) and a due date on each alert, assignment
-- changes in the alert history beside state changes, and plain-text comments with mentions.
CREATE TYPE "AlertEventKind" AS ENUM ('state', 'assignment');

ALTER TABLE "Alert" ADD COLUMN     "assigneeId" TEXT,
ADD COLUMN     "dueAt" TIMESTAMP(3);

-- A constant default: PostgreSQL records it in the catalog, the existing history is not rewritten.
ALTER TABLE "AlertEvent" ADD COLUMN     "kind" "AlertEventKind" NOT NULL DEFAULT 'state';

CREATE TABLE "AlertComment" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "alertId" TEXT NOT NULL,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT,
    "authorId" TEXT,
    "body" TEXT NOT NULL,
    "mentionedUserIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertComment_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "AlertComment_realmId_alertId_createdAt_idx" ON "AlertComment"("realmId", "alertId", "createdAt");

CREATE INDEX "Alert_realmId_assigneeId_idx" ON "Alert"("realmId", "assigneeId");

ALTER TABLE "AlertComment" ADD CONSTRAINT "AlertComment_realmId_alertId_fkey" FOREIGN KEY ("realmId", "alertId") REFERENCES "Alert"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

SELECT nhi_enable_realm_isolation('"AlertComment"');
