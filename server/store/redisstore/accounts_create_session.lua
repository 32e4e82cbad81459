-- accounts_create_session stores a sign-in session for as long as it lasts
-- and lists it under its user, if the user exists.
--
-- KEYS[1] -> samtykke:{accounts}:session:<token sha256>   session JSON
-- KEYS[2] -> samtykke:{accounts}:user:<user id>           checked when ARGV[4] is "1"
-- KEYS[3] -> samtykke:{accounts}:sessions:<user id>       set of the user's token hashes
--
-- ARGV[1] -> session JSON
-- ARGV[2] -> the session's lifetime, ms (a TTL, so Redis's clock and the
--            server's need not agree; the JSON's expires_at is checked too)
-- ARGV[3] -> token hash
-- ARGV[4] -> "1" if the user must exist (a user's session), "0" (admin token)
--
-- Returns 1 if stored, 0 if the user does not exist (nothing written).
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then
	return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
-- The list lives as long as its longest session.
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[2]) then
	redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return 1
