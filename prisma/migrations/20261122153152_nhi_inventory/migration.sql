-- CreateEnum
CREATE TYPE "NhiKind" AS ENUM ('service_account', 'access_key', 'api_key', 'oauth_app', 'personal_access_token', 'deploy_key', 'ssh_key', 'certificate', 'bot', 'workload_identity', 'ai_agent', 'other');

-- CreateEnum
CREATE TYPE "NhiProvider" AS ENUM ('aws', 'gcp', 'azure', 'github', 'kubernetes', 'slack', 'okta', 'other');

-- CreateEnum
CREATE TYPE "NhiEnvironment" AS ENUM ('production', 'staging', 'development', 'unknown');

-- CreateEnum
CREATE TYPE "NhiStatus" AS ENUM ('active', 'disabled', 'decommissioned', 'missing_from_source');

-- CreateEnum
CREATE TYPE "CredentialKind" AS ENUM ('access_key', 'api_key', 'password', 'token', 'private_key', 'certificate', 'client_secret', 'other');

-- CreateEnum
CREATE TYPE "CredentialStatus" AS ENUM ('active', 'inactive', 'revoked');

-- CreateTable
CREATE TABLE "InstanceSecret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InstanceSecret_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "Nhi" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "kind" "NhiKind" NOT NULL,
    "provider" "NhiProvider" NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "ownerUserId" TEXT,
    "environment" "NhiEnvironment" NOT NULL DEFAULT 'unknown',
    "status" "NhiStatus" NOT NULL DEFAULT 'active',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "permissions" JSONB NOT NULL DEFAULT '[]',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "sourceType" TEXT NOT NULL DEFAULT 'manual',
    "sourceRef" TEXT,
    "providerCreatedAt" TIMESTAMP(3),
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "oldestActiveCredentialAt" TIMESTAMP(3),
    "nextCredentialExpiresAt" TIMESTAMP(3),
    "activeCredentialCount" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "idempotencyKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Nhi_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Credential" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "nhiId" TEXT NOT NULL,
    "kind" "CredentialKind" NOT NULL,
    "fingerprint" TEXT,
    "hint" TEXT,
    "providerCreatedAt" TIMESTAMP(3),
    "lastRotatedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "status" "CredentialStatus" NOT NULL DEFAULT 'active',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NhiVersion" (
    "id" TEXT NOT NULL,
    "realmId" TEXT NOT NULL,
    "nhiId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "snapshot" JSONB NOT NULL,
    "changes" JSONB NOT NULL,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT,
    "requestId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NhiVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Nhi_realmId_deletedAt_name_idx" ON "Nhi"("realmId", "deletedAt", "name");

-- CreateIndex
CREATE INDEX "Nhi_realmId_deletedAt_updatedAt_idx" ON "Nhi"("realmId", "deletedAt", "updatedAt");

-- CreateIndex
CREATE INDEX "Nhi_realmId_ownerUserId_idx" ON "Nhi"("realmId", "ownerUserId");

-- CreateIndex
CREATE INDEX "Nhi_realmId_oldestActiveCredentialAt_idx" ON "Nhi"("realmId", "oldestActiveCredentialAt");

-- CreateIndex
CREATE INDEX "Nhi_realmId_nextCredentialExpiresAt_idx" ON "Nhi"("realmId", "nextCredentialExpiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Nhi_realmId_id_key" ON "Nhi"("realmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Nhi_realmId_provider_externalId_key" ON "Nhi"("realmId", "provider", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "Nhi_realmId_idempotencyKey_key" ON "Nhi"("realmId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Credential_realmId_nhiId_idx" ON "Credential"("realmId", "nhiId");

-- CreateIndex
CREATE INDEX "Credential_realmId_fingerprint_idx" ON "Credential"("realmId", "fingerprint");

-- CreateIndex
CREATE INDEX "Credential_realmId_expiresAt_idx" ON "Credential"("realmId", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "NhiVersion_realmId_nhiId_version_key" ON "NhiVersion"("realmId", "nhiId", "version");

-- AddForeignKey
ALTER TABLE "Nhi" ADD CONSTRAINT "Nhi_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Nhi" ADD CONSTRAINT "Nhi_ownerUserId_fkey" FOREIGN KEY ("ownerUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NhiVersion" ADD CONSTRAINT "NhiVersion_realmId_fkey" FOREIGN KEY ("realmId") REFERENCES "Realm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NhiVersion" ADD CONSTRAINT "NhiVersion_realmId_nhiId_fkey" FOREIGN KEY ("realmId", "nhiId") REFERENCES "Nhi"("realmId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Realm isolation for the inventory tables (see 20261122150000_row_level_security).
SELECT nhi_enable_realm_isolation('"Nhi"');
SELECT nhi_enable_realm_isolation('"Credential"');
SELECT nhi_enable_realm_isolation('"NhiVersion"');

-- Instance secrets serve system code only: no access for nhi_app, and RLS without a policy as a backstop.
ALTER TABLE "InstanceSecret" ENABLE ROW LEVEL SECURITY;
