-- put_snapshot stores a snapshot unless its version has one, and returns
-- the one stored (consent.Store.PutSnapshot).
--
-- KEYS[1] -> samtykke:{<site>}:site           site JSON
-- KEYS[2] -> samtykke:{<site>}:deleted-site   a deleted site's JSON
-- KEYS[3] -> samtykke:{<site>}:snapshots      HASH config version → snapshot JSON
-- ARGV[1] -> the version
-- ARGV[2] -> the snapshot JSON
--
-- Returns the stored snapshot JSON, or false when there is no such site.
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 0 then
	return false
end
redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2])
return redis.call('HGET', KEYS[3], ARGV[1])
