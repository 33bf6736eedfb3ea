-- Territories count by kind, a level being the sum of its kinds: the counters are
-- recounted (migrate::recount).
SELECT 1;
