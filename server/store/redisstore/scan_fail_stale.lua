-- scan_fail_stale stores an abandoned running scan as failed and releases
-- the lock (scanner.Store.FailStaleScan), if nothing changed since the
-- caller read it: the caller judged it stale from that very JSON, so a
-- heartbeat that came in between keeps the scan running.
--
-- KEYS[1] -> samtykke:{<site>}:scan-running   STRING the running scan's id (the lock)
-- KEYS[2] -> samtykke:{<site>}:scan:<id>      STRING the scan's JSON
-- ARGV[1] -> the scan's id
-- ARGV[2] -> the scan's JSON as the caller read it
-- ARGV[3] -> the scan's JSON marked failed
--
-- Returns 1 when marked failed, 0 when the scan changed meanwhile.
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
	return 0
end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('DEL', KEYS[1])
return 1
