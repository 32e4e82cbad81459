-- save_receipt stores one consent receipt and counts it, atomically: either
-- the receipt, its indexes and every counter are written, or nothing is.
--
-- KEYS[1] -> samtykke:{<site>}:site                site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:rid:<receipt_id>    idempotency key
-- KEYS[3] -> samtykke:{<site>}:log                 receipt stream
-- KEYS[4] -> samtykke:{<site>}:cid:<consent_id>    stream ids of the consent id
-- KEYS[5] -> samtykke:{<site>}:d:<YYYYMMDD>        day counters
-- KEYS[6] -> samtykke:{<site>}:h:<YYYYMMDDHH>      hour counters
--
-- ARGV[1] -> receipt JSON
-- ARGV[2] -> idempotency key TTL, seconds
-- ARGV[3] -> oldest stream id to keep (ms): now minus the site's retention
-- ARGV[4] -> the site's retention, seconds (TTL of log and consent list)
-- ARGV[5] -> day bucket TTL, seconds
-- ARGV[6] -> hour bucket TTL, seconds
-- ARGV[7..] -> counter fields, each incremented by 1 in both buckets
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

local id = redis.call('XADD', KEYS[3], 'MINID', '~', ARGV[3], '*', 'r', ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
redis.call('RPUSH', KEYS[4], id)
redis.call('EXPIRE', KEYS[4], ARGV[4])
for i = 7, #ARGV do
	redis.call('HINCRBY', KEYS[5], ARGV[i], 1)
	redis.call('HINCRBY', KEYS[6], ARGV[i], 1)
end
-- A bucket's TTL runs from its first write (NX: Redis >= 7.0), so a busy
-- bucket still expires.
redis.call('EXPIRE', KEYS[5], ARGV[5], 'NX')
redis.call('EXPIRE', KEYS[6], ARGV[6], 'NX')
return {1}
