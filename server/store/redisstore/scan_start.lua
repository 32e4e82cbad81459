-- scan_start stores a new scan and makes it the site's running scan
-- (scanner.Store.StartScan), unless one is running already.
--
-- KEYS[1] -> samtykke:{<site>}:site           site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:scan-running   STRING the running scan's id (the lock)
-- KEYS[3] -> samtykke:{<site>}:scans          ZSET scan id → start (ms)
-- KEYS[4] -> samtykke:{<site>}:scan:<id>      STRING the new scan's JSON
-- ARGV[1] -> the new scan's id
-- ARGV[2] -> the new scan's JSON
-- ARGV[3] -> its start, ms since 1970
--
-- Returns 0 if the site does not exist, -1 if a scan is running (the caller
-- checks whether it is stale and retries), 1 when started.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
if redis.call('EXISTS', KEYS[2]) == 1 then
	return -1
end
redis.call('SET', KEYS[4], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('SET', KEYS[2], ARGV[1])
return 1
