-- No planner statistics on an identity version's documents. No statement filters on a snapshot or a
-- change set, or joins on one (versions are read by identity, newest first), and computing them
-- reads and decompresses every sampled document: ANALYZE of the 20k versions a scan had just
-- written took 0.76 s with them and 0.33 s without. The documents of identities and facts keep
-- theirs: the alert evaluation's statements are planned with their widths (ADR 0057).
ALTER TABLE "NhiVersion" ALTER COLUMN "snapshot" SET STATISTICS 0, ALTER COLUMN "changes" SET STATISTICS 0;
