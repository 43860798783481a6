-- The documents of identities, versions and facts are read whole and never filtered on with an
-- operator whose estimate reads column statistics (`@>`, `=`): sampling them made the ANALYZE after
-- a large scan four times longer (ADR 0057). The planner keeps the statistics of every other column.
ALTER TABLE "Nhi" ALTER COLUMN "permissions" SET STATISTICS 0, ALTER COLUMN "metadata" SET STATISTICS 0;
ALTER TABLE "NhiVersion" ALTER COLUMN "snapshot" SET STATISTICS 0, ALTER COLUMN "changes" SET STATISTICS 0;
ALTER TABLE "ScanFact" ALTER COLUMN "evidence" SET STATISTICS 0;
