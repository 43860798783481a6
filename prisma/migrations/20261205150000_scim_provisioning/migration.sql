-- SCIM 2.0 provisioning (ADR 0033): tokens a realm's identity provider uses at /scim/v2, and what
-- that provider knows of each user it provisioned in the realm.
CREATE TABLE "ScimToken" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "defaultRole" "RealmRole" NOT NULL DEFAULT 'viewer',
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScimToken_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ScimUser" (
    "realmId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "externalId" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "role" "RealmRole" NOT NULL DEFAULT 'viewer',
    "disabledUser" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ScimUser_pkey" PRIMARY KEY ("realmId","userId")
);

CREATE UNIQUE INDEX "ScimToken_tokenHash_key" ON "ScimToken"("tokenHash");
CREATE INDEX "ScimToken_realmId_idx" ON "ScimToken"("realmId");
CREATE UNIQUE INDEX "ScimUser_realmId_externalId_key" ON "ScimUser"("realmId", "externalId");

ALTER TABLE "ScimToken" ADD CONSTRAINT "ScimToken_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ScimUser" ADD CONSTRAINT "ScimUser_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ScimUser" ADD CONSTRAINT "ScimUser_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

SELECT nhi_enable_realm_isolation('"ScimToken"');
SELECT nhi_enable_realm_isolation('"ScimUser"');
