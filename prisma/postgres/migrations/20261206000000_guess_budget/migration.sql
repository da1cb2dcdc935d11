-- AlterTable
ALTER TABLE "users" ADD COLUMN     "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "suspended_at" TIMESTAMP(3);
