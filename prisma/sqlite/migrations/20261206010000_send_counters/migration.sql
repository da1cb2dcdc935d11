-- CreateTable
CREATE TABLE "send_counters" (
    "name" TEXT NOT NULL,
    "window_start" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("name", "window_start")
);

-- CreateIndex
CREATE INDEX "send_counters_window_start_idx" ON "send_counters"("window_start");
