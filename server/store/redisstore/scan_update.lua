-- scan_update stores a scan if it is still the site's running scan
-- (scanner.Store.UpdateScan and FinishScan).
--
-- KEYS[1] -> samtykke:{<site>}:scan-running   STRING the running scan's id (the lock)
-- KEYS[2] -> samtykke:{<site>}:scan:<id>      STRING the scan's JSON
-- ARGV[1] -> the scan's id
-- ARGV[2] -> the scan's JSON
-- ARGV[3] -> "1" to release the lock (the scan finished), "0" to keep it
--
-- Returns 1 when stored, 0 when the scan is not the running one (its lock
-- was taken away as stale).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
	return 0
end
redis.call('SET', KEYS[2], ARGV[2])
if ARGV[3] == '1' then
	redis.call('DEL', KEYS[1])
end
return 1
