-- CreateIndex
CREATE INDEX "webhook_deliveries_claimed_until_idx" ON "webhook_deliveries"("claimed_until");

