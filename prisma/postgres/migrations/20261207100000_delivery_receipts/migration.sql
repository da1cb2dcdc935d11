-- Delivery receipts, the preferred channel order, and the number range of a phone destination.

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "channel_order" TEXT;

-- AlterTable
ALTER TABLE "otp_logs" ADD COLUMN     "delivery_error_code" TEXT,
ADD COLUMN     "delivery_rank" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "delivery_status" TEXT,
ADD COLUMN     "delivery_updated_at" TIMESTAMP(3),
ADD COLUMN     "dial_prefix" TEXT,
ADD COLUMN     "receipt_expected" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "otp_logs_provider_message_id_idx" ON "otp_logs"("provider_message_id");

