-- accounts_update_user replaces a user and moves its address index when the
-- address changes. The caller read the user first (to learn the old
-- address); if it changed since, nothing is written and the caller retries.
--
-- KEYS[1] -> samtykke:{accounts}:user:<id>              user JSON
-- KEYS[2] -> samtykke:{accounts}:email:<new address>
-- KEYS[3] -> samtykke:{accounts}:email:<old address>
--
-- ARGV[1] -> new user JSON
-- ARGV[2] -> user id
-- ARGV[3] -> the user JSON the caller read
--
-- Returns 1 if updated, 0 if the new address belongs to another user,
-- -1 if the user does not exist, -2 if it changed since it was read.
local cur = redis.call('GET', KEYS[1])
if not cur then
	return -1
end
if cur ~= ARGV[3] then
	return -2
end
if KEYS[2] ~= KEYS[3] then
	local owner = redis.call('GET', KEYS[2])
	if owner and owner ~= ARGV[2] then
		return 0
	end
	redis.call('DEL', KEYS[3])
	redis.call('SET', KEYS[2], ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
