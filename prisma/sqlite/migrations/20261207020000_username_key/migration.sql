-- AlterTable
ALTER TABLE "users" ADD COLUMN "username_key" TEXT;

-- Backfill: a printable-ASCII name's key is its lower case (NFKC leaves ASCII alone). Of legacy
-- names that collide, the oldest row gets the key and the others keep a null one (they still
-- work by their exact name). Other names get theirs from the migrator (src/db/migrate.ts).
UPDATE "users" SET "username_key" = lower("username")
 WHERE "id" IN (SELECT min("id") FROM "users" WHERE "username" NOT GLOB '*[^ -~]*' GROUP BY lower("username"));

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key_key" ON "users"("username_key");
