-- Delivery receipts, the preferred channel order, and the number range of a phone destination.
-- Added in place (SQLite's ALTER TABLE ADD COLUMN): the same columns as the generated table
-- rewrite, without copying every code record.

-- AlterTable
ALTER TABLE "users" ADD COLUMN "channel_order" TEXT;

-- AlterTable
ALTER TABLE "otp_logs" ADD COLUMN "delivery_status" TEXT;
ALTER TABLE "otp_logs" ADD COLUMN "delivery_rank" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "otp_logs" ADD COLUMN "delivery_error_code" TEXT;
ALTER TABLE "otp_logs" ADD COLUMN "delivery_updated_at" DATETIME;
ALTER TABLE "otp_logs" ADD COLUMN "receipt_expected" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "otp_logs" ADD COLUMN "dial_prefix" TEXT;

-- CreateIndex
CREATE INDEX "otp_logs_provider_message_id_idx" ON "otp_logs"("provider_message_id");
