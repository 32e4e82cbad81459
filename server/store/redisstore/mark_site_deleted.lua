-- mark_site_deleted hides a site and keeps its data (consent.Store.MarkSiteDeleted).
--
-- KEYS[1] -> samtykke:{<site>}:site           site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:deleted-site   where the site JSON goes
-- KEYS[3] -> samtykke:{<site>}:deletion       JSON: deleted_at, deleted_by, purge_after
-- KEYS[4] -> samtykke:{<site>}:audit          LIST of audit entry JSON
-- ARGV[1] -> the deletion JSON
-- ARGV[2] -> the audit entry JSON
--
-- Returns 0 when there is no live site, 1 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('RPUSH', KEYS[4], ARGV[2])
return 1
