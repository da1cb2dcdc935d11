-- AlterTable
ALTER TABLE "otp_logs" ADD COLUMN     "context_hash" TEXT;

-- CreateTable
CREATE TABLE "signing_keys" (
    "kid" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "public_jwk" TEXT NOT NULL,
    "private_key" TEXT NOT NULL,
    "active_for" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMP(3),
    "expires_at" TIMESTAMP(3),

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("kid")
);

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_active_for_key" ON "signing_keys"("active_for");
