-- restore_site makes a deleted site live again (consent.Store.RestoreSite).
--
-- KEYS[1] -> samtykke:{<site>}:site           where the site JSON goes back
-- KEYS[2] -> samtykke:{<site>}:deleted-site   site JSON; must exist
-- KEYS[3] -> samtykke:{<site>}:deletion       removed
-- KEYS[4] -> samtykke:{<site>}:audit          LIST of audit entry JSON
-- ARGV[1] -> the audit entry JSON
--
-- Returns 0 when there is no deleted site, 1 otherwise.
if redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[1]) == 1 then
	return 0
end
redis.call('RENAME', KEYS[2], KEYS[1])
redis.call('DEL', KEYS[3])
redis.call('RPUSH', KEYS[4], ARGV[1])
return 1
