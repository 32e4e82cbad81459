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
for i = 7, #ARGV do
	redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
	redis.call('HINCRBY', KEYS[3], ARGV[i], 1)
end
redis.call('EXPIRE', KEYS[2], ARGV[1], 'NX')
redis.call('EXPIRE', KEYS[3], ARGV[2], 'NX')
-- See save_receipt.lua: the janitor finds old buckets through these.
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[5])
redis.call('EXPIRE', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[6])
redis.call('EXPIRE', KEYS[5], ARGV[2])
return 1
