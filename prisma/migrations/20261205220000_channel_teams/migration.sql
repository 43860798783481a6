-- A notification channel may be routed to owner teams: only alerts about identities owned by one of
-- these groups' subtrees reach it (empty: every alert, as before). Ids of the realm's groups; a
-- deleted group simply stops matching.
ALTER TABLE "AlertChannel" ADD COLUMN "ownerGroupIds" TEXT[] DEFAULT ARRAY[]::TEXT[];
