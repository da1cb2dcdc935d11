-- Room on each page for the new version of an updated row. A verify updates its user's row
-- twice (the guess, its settlement) and its code's row twice (the attempt, its use); on a full
-- page (rows inserted in bulk, or never vacuumed) every update also writes an entry in each of
-- the table's indexes instead of being a HOT update. PostgreSQL only: SQLite updates in place.
ALTER TABLE "users" SET (fillfactor = 85);
ALTER TABLE "otp_logs" SET (fillfactor = 85);
