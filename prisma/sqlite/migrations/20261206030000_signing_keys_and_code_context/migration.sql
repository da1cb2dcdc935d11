-- AlterTable
ALTER TABLE "otp_logs" ADD COLUMN "context_hash" TEXT;

-- CreateTable
CREATE TABLE "signing_keys" (
    "kid" TEXT NOT NULL PRIMARY KEY,
    "algorithm" TEXT NOT NULL,
    "public_jwk" TEXT NOT NULL,
    "private_key" TEXT NOT NULL,
    "active_for" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" DATETIME,
    "expires_at" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_active_for_key" ON "signing_keys"("active_for");
