-- AlterTable
ALTER TABLE "otp_logs" ADD COLUMN "country" TEXT;

-- CreateTable
CREATE TABLE "recovery_codes" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "code_hash" TEXT NOT NULL,
    "used_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "recovery_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "event" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "method" TEXT,
    "channel" TEXT,
    "user_id" INTEGER,
    "username" TEXT,
    "caller" TEXT,
    "ip" TEXT,
    "user_agent" TEXT,
    "request_id" TEXT,
    CONSTRAINT "audit_events_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_users" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL,
    "email" TEXT,
    "phone_number" TEXT,
    "delivery_method" TEXT NOT NULL DEFAULT 'EMAIL',
    "locale" TEXT NOT NULL DEFAULT 'en',
    "otp_enabled" BOOLEAN NOT NULL DEFAULT true,
    "totp_secret" TEXT,
    "totp_pending_secret" TEXT,
    "totp_enabled_at" DATETIME,
    "totp_last_step" INTEGER,
    "failed_verifications" INTEGER NOT NULL DEFAULT 0,
    "locked_until" DATETIME,
    "last_send_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);
INSERT INTO "new_users" ("created_at", "delivery_method", "email", "id", "locale", "otp_enabled", "phone_number", "updated_at", "username") SELECT "created_at", "delivery_method", "email", "id", "locale", "otp_enabled", "phone_number", "updated_at", "username" FROM "users";
DROP TABLE "users";
ALTER TABLE "new_users" RENAME TO "users";
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "recovery_codes_user_id_idx" ON "recovery_codes"("user_id");

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at");

-- CreateIndex
CREATE INDEX "audit_events_user_id_created_at_idx" ON "audit_events"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "audit_events_event_created_at_idx" ON "audit_events"("event", "created_at");

-- CreateIndex
CREATE INDEX "otp_logs_user_id_created_at_idx" ON "otp_logs"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "otp_logs_channel_created_at_idx" ON "otp_logs"("channel", "created_at");

