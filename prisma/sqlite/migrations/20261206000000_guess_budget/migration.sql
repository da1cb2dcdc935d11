-- AlterTable
ALTER TABLE "users" ADD COLUMN "consecutive_failures" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "users" ADD COLUMN "suspended_at" DATETIME;
