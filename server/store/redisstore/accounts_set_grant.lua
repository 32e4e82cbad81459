-- accounts_set_grant gives a user a role on a site (replacing the one they
-- had) in both directions of the index, if the user exists.
--
-- KEYS[1] -> samtykke:{accounts}:user:<user id>
-- KEYS[2] -> samtykke:{accounts}:grants:<user id>        site id → grant JSON
-- KEYS[3] -> samtykke:{accounts}:site-grants:<site id>   user id → grant JSON
--
-- ARGV[1] -> grant JSON
-- ARGV[2] -> site id
-- ARGV[3] -> user id
--
-- Returns 1 if stored, 0 if the user does not exist (nothing written).
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
return 1
