-- append_audit adds an entry to a site's audit log (consent.Store.AppendAudit).
--
-- KEYS[1] -> samtykke:{<site>}:site           site JSON
-- KEYS[2] -> samtykke:{<site>}:deleted-site   a deleted site's JSON
-- KEYS[3] -> samtykke:{<site>}:audit          LIST of audit entry JSON
-- ARGV[1] -> the entry JSON
--
-- Returns 0 when there is no such site, 1 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 0 then
	return 0
end
redis.call('RPUSH', KEYS[3], ARGV[1])
return 1
