-- A realm being moved between the hub and worker instances (`nhi realm move`): where it goes (the
-- hub refuses the realm's changes while set) and since when its rows are copied (jobs hold off it).
ALTER TABLE "Realm" ADD COLUMN "movingTo" TEXT;
ALTER TABLE "Realm" ADD COLUMN "movingSince" TIMESTAMP(3);
