-- add_checkpoint appends a checkpoint to a site's list if it follows the
-- last one: the compare-and-set that lets several replicas seal at once,
-- with exactly one of them winning each checkpoint.
--
-- KEYS[1] -> samtykke:{<site>}:site          site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:checkpoints   checkpoint JSON list, oldest first
--
-- ARGV[1] -> the checkpoint's number (1 for the first)
-- ARGV[2] -> its first seq
-- ARGV[3] -> the last seq of the checkpoint before it (0 for the first)
-- ARGV[4] -> the checkpoint's JSON
--
-- Returns -1 if the site does not exist, 0 if the checkpoint does not
-- follow the last one (nothing written), 1 if stored.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return -1
end
local n = redis.call('LLEN', KEYS[2])
if n + 1 ~= tonumber(ARGV[1]) or tonumber(ARGV[3]) + 1 ~= tonumber(ARGV[2]) then
	return 0
end
if n > 0 then
	local last = cjson.decode(redis.call('LINDEX', KEYS[2], -1))
	if last.last_seq ~= tonumber(ARGV[3]) then
		return 0
	end
end
redis.call('RPUSH', KEYS[2], ARGV[4])
return 1
