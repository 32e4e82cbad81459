-- count adds 1 to counter fields in a day and an hour bucket, atomically,
-- for an event that stores nothing else (a banner impression).
--
-- KEYS[1] -> samtykke:{<site>}:site             site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:d:<YYYYMMDD>     day counters
-- KEYS[3] -> samtykke:{<site>}:h:<YYYYMMDDHH>   hour counters
-- KEYS[4] -> samtykke:{<site>}:buckets:d        day bucket index
-- KEYS[5] -> samtykke:{<site>}:buckets:h        hour bucket index
--
-- ARGV[1] -> day bucket TTL, seconds
-- ARGV[2] -> hour bucket TTL, seconds
-- ARGV[3] -> day bucket start, seconds since 1970 (its score in KEYS[4])
-- ARGV[4] -> hour bucket start, seconds since 1970 (its score in KEYS[5])
-- ARGV[5] -> day bucket name, YYYYMMDD (its member in KEYS[4])
-- ARGV[6] -> hour bucket name, YYYYMMDDHH (its member in KEYS[5])
-- ARGV[7..] -> counter fields
--
-- Returns 0 if the site does not exist (nothing written), 1 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
-- As in save_receipts.lua: one HMGET and one HSET per bucket, and the bucket
-- upkeep only from the write that finds the first field missing (the bucket
-- is new, or new to impressions).
local fields = {unpack(ARGV, 7)}
local function add1(key)
	local v = redis.call('HMGET', key, unpack(fields))
	-- kv is field, value, …; a field named twice counts twice, as with
	-- HINCRBY.
	local kv, at, n = {}, {}, 0
	for i = 1, #fields do
		local f = fields[i]
		if at[f] then
			kv[at[f]] = kv[at[f]] + 1
		else
			kv[n + 1], kv[n + 2] = f, (tonumber(v[i]) or 0) + 1
			n = n + 2
			at[f] = n
		end
	end
	redis.call('HSET', key, unpack(kv))
	return not v[1]
end
if add1(KEYS[2]) then
	redis.call('EXPIRE', KEYS[2], ARGV[1], 'NX')
	redis.call('ZADD', KEYS[4], ARGV[3], ARGV[5])
	redis.call('EXPIRE', KEYS[4], ARGV[1])
end
if add1(KEYS[3]) then
	redis.call('EXPIRE', KEYS[3], ARGV[2], 'NX')
	redis.call('ZADD', KEYS[5], ARGV[4], ARGV[6])
	redis.call('EXPIRE', KEYS[5], ARGV[2])
end
return 1
