-- save_receipt stores one consent receipt and counts it, atomically: either
-- the receipt, its indexes and every counter are written, or nothing is.
--
-- KEYS[1] -> samtykke:{<site>}:site                site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:rid:<receipt_id>    idempotency key
-- KEYS[3] -> samtykke:{<site>}:log                 receipt stream
-- KEYS[4] -> samtykke:{<site>}:cid:<consent_id>    stream ids of the consent id
-- KEYS[5] -> samtykke:{<site>}:d:<YYYYMMDD>        day counters
-- KEYS[6] -> samtykke:{<site>}:h:<YYYYMMDDHH>      hour counters
-- KEYS[7] -> samtykke:{<site>}:late                most ms a log id has run ahead of its receipt
-- KEYS[8] -> samtykke:{<site>}:buckets:d           day bucket index
-- KEYS[9] -> samtykke:{<site>}:buckets:h           hour bucket index
--
-- ARGV[1] -> receipt JSON
-- ARGV[2] -> idempotency key TTL, seconds
-- ARGV[3] -> the site's retention, seconds (TTL of log and consent list)
-- ARGV[4] -> day bucket TTL, seconds
-- ARGV[5] -> hour bucket TTL, seconds
-- ARGV[6] -> the receipt's server time, ms since 1970 (the log id to use)
-- ARGV[7] -> day bucket start, seconds since 1970 (its score in KEYS[8])
-- ARGV[8] -> hour bucket start, seconds since 1970 (its score in KEYS[9])
-- ARGV[9] -> day bucket name, YYYYMMDD (its member in KEYS[8])
-- ARGV[10] -> hour bucket name, YYYYMMDDHH (its member in KEYS[9])
-- ARGV[11..] -> counter fields, each incremented by 1 in both buckets
--
-- Returns:
--   {-1}              the site does not exist (deleted): nothing written
--   {0, json | false} duplicate receipt id: the stored receipt's JSON (false
--                     if its log entry is gone); nothing written or counted
--   {1}               created
if redis.call('EXISTS', KEYS[1]) == 0 then
	return {-1}
end

local prev = redis.call('GET', KEYS[2])
if prev then
	local entries = redis.call('XRANGE', KEYS[3], prev, prev)
	if #entries == 0 then
		return {0, false}
	end
	-- An entry is {id, {field, value, ...}}; the receipt is field "r".
	return {0, entries[1][2][2]}
end

-- The log id is the receipt's server time, not Redis's clock, so that the
-- janitor's purge and an export of a period can find receipts by time from
-- the id alone. Ids must grow, though, and a receipt can arrive after one
-- with a later server time (two replicas, or two requests of one, racing):
-- that one is filed at the log's last millisecond instead, and KEYS[7]
-- remembers the largest such gap, so readers know how far past a time to
-- look. A log id is therefore never earlier than its receipt's server time.
--
-- There is no MINID trim here: retention is the janitor's, by consentd's
-- clock, and a trim by the wall clock at write time would race it and skip
-- the consent lists. The EXPIREs below are the safety net.
local id = redis.pcall('XADD', KEYS[3], ARGV[6] .. '-*', 'r', ARGV[1])
if type(id) == 'table' and id.err then
	if not string.find(id.err, 'equal or smaller', 1, true) then
		return id
	end
	-- The log's last millisecond is the newest entry's: XREVRANGE reads that
	-- one entry, far cheaper than XINFO STREAM (which also copies the first
	-- entry and the radix tree's numbers into Lua).
	local top = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
	local last = top[1] and string.match(top[1][1], '^(%d+)-')
	if last then
		id = redis.pcall('XADD', KEYS[3], last .. '-*', 'r', ARGV[1])
	end
	if not last or (type(id) == 'table' and id.err) then
		-- The newest entries were deleted (Purge's XDEL keeps the stream's
		-- last generated id), so only XINFO knows the millisecond to use.
		local info = redis.call('XINFO', 'STREAM', KEYS[3])
		for i = 1, #info, 2 do
			if info[i] == 'last-generated-id' then
				last = string.match(info[i + 1], '^(%d+)-')
			end
		end
		id = redis.call('XADD', KEYS[3], last .. '-*', 'r', ARGV[1])
	end
	local late = tonumber(last) - tonumber(ARGV[6])
	if late > tonumber(redis.call('GET', KEYS[7]) or '0') then
		redis.call('SET', KEYS[7], late)
	end
end
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
redis.call('RPUSH', KEYS[4], id)
redis.call('EXPIRE', KEYS[4], ARGV[3])

-- Counters: one HMGET and one HSET per bucket instead of an HINCRBY per
-- field and bucket (about 20 calls per receipt): each redis.call costs more
-- than the hash work it does. The script is atomic, so read-add-write is as
-- good as HINCRBY.
local fields = {unpack(ARGV, 11)}
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
	-- No first field yet: the bucket is new, or new to this kind of event
	-- (an impression made it); either way this write does the upkeep.
	return not v[1]
end
-- Bucket upkeep only when the bucket is new to receipts: its TTL runs from
-- its first write (NX: a bucket an impression made keeps that TTL), so a
-- busy bucket still expires; and its index entry lets the janitor find it
-- without SCAN. An index outlives every bucket it lists, since each new
-- bucket pushes its TTL out to the bucket's own.
if add1(KEYS[5]) then
	redis.call('EXPIRE', KEYS[5], ARGV[4], 'NX')
	redis.call('ZADD', KEYS[8], ARGV[7], ARGV[9])
	redis.call('EXPIRE', KEYS[8], ARGV[4])
end
if add1(KEYS[6]) then
	redis.call('EXPIRE', KEYS[6], ARGV[5], 'NX')
	redis.call('ZADD', KEYS[9], ARGV[8], ARGV[10])
	redis.call('EXPIRE', KEYS[9], ARGV[5])
end
return {1}
