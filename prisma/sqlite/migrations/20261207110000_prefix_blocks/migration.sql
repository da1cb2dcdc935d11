-- Number ranges blocked by the SMS-pumping defence for their low verification rate.

-- CreateTable
CREATE TABLE "prefix_blocks" (
    "prefix" TEXT NOT NULL PRIMARY KEY,
    "sends" INTEGER NOT NULL,
    "verified" INTEGER NOT NULL,
    "blocked_at" DATETIME NOT NULL,
    "expires_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "otp_logs_dial_prefix_created_at_idx" ON "otp_logs"("dial_prefix", "created_at");
