-- accounts_create_user stores a new dashboard user and indexes its address,
-- unless the id or the address is taken.
--
-- KEYS[1] -> samtykke:{accounts}:user:<id>          user JSON
-- KEYS[2] -> samtykke:{accounts}:email:<address>    user id of the address
-- KEYS[3] -> samtykke:{accounts}:users              set of user ids
--
-- ARGV[1] -> user JSON
-- ARGV[2] -> user id
--
-- Returns 1 if created, 0 if the id or the address is taken (nothing written).
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
	return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
