-- count adds 1 to counter fields in a day and an hour bucket, atomically,
-- for an event that stores nothing else (a banner impression).
--
-- KEYS[1] -> samtykke:{<site>}:site             site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:d:<YYYYMMDD>     day counters
-- KEYS[3] -> samtykke:{<site>}:h:<YYYYMMDDHH>   hour counters
--
-- ARGV[1] -> day bucket TTL, seconds
-- ARGV[2] -> hour bucket TTL, seconds
-- ARGV[3..] -> counter fields
--
-- Returns 0 if the site does not exist (nothing written), 1 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
for i = 3, #ARGV do
	redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
	redis.call('HINCRBY', KEYS[3], ARGV[i], 1)
end
redis.call('EXPIRE', KEYS[2], ARGV[1], 'NX')
redis.call('EXPIRE', KEYS[3], ARGV[2], 'NX')
return 1
