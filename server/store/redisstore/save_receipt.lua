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
	local info = redis.call('XINFO', 'STREAM', KEYS[3])
	local last
	for i = 1, #info, 2 do
		if info[i] == 'last-generated-id' then
			last = string.match(info[i + 1], '^(%d+)-')
		end
	end
	id = redis.call('XADD', KEYS[3], last .. '-*', 'r', ARGV[1])
	local late = tonumber(last) - tonumber(ARGV[6])
	if late > tonumber(redis.call('GET', KEYS[7]) or '0') then
		redis.call('SET', KEYS[7], late)
	end
end
redis.call('EXPIRE', KEYS[3], ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
redis.call('RPUSH', KEYS[4], id)
redis.call('EXPIRE', KEYS[4], ARGV[3])
for i = 11, #ARGV do
	redis.call('HINCRBY', KEYS[5], ARGV[i], 1)
	redis.call('HINCRBY', KEYS[6], ARGV[i], 1)
end
-- A bucket's TTL runs from its first write (NX: Redis >= 7.0), so a busy
-- bucket still expires.
redis.call('EXPIRE', KEYS[5], ARGV[4], 'NX')
redis.call('EXPIRE', KEYS[6], ARGV[5], 'NX')
-- The indexes let the janitor find old buckets without SCAN; they outlive
-- every bucket they list (their TTL is pushed out by each write).
redis.call('ZADD', KEYS[8], ARGV[7], ARGV[9])
redis.call('EXPIRE', KEYS[8], ARGV[4])
redis.call('ZADD', KEYS[9], ARGV[8], ARGV[10])
redis.call('EXPIRE', KEYS[9], ARGV[5])
return {1}
