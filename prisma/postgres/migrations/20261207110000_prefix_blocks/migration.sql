-- Number ranges blocked by the SMS-pumping defence for their low verification rate.

-- CreateTable
CREATE TABLE "prefix_blocks" (
    "prefix" TEXT NOT NULL,
    "sends" INTEGER NOT NULL,
    "verified" INTEGER NOT NULL,
    "blocked_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "prefix_blocks_pkey" PRIMARY KEY ("prefix")
);

-- CreateIndex
CREATE INDEX "otp_logs_dial_prefix_created_at_idx" ON "otp_logs"("dial_prefix", "created_at");
