-- accounts_add_failure counts one failed sign-in in a fixed window: the
-- first failure opens the window, later ones add to it until it ends.
--
-- KEYS[1] -> samtykke:{accounts}:fail:<key>   HASH n, reset (ms)
--
-- ARGV[1] -> now, Unix time in ms (the server's clock)
-- ARGV[2] -> end of a window opened now, Unix time in ms (now + window)
-- ARGV[3] -> window length, ms: the key's TTL, so that Redis's clock need
--            not agree with the server's
--
-- Returns {count, window end in ms}. Times stay strings: Lua's numbers are
-- doubles and would print large ones in exponent form.
local reset = redis.call('HGET', KEYS[1], 'reset')
if not reset or tonumber(reset) <= tonumber(ARGV[1]) then
	reset = ARGV[2]
	redis.call('DEL', KEYS[1])
	redis.call('HSET', KEYS[1], 'reset', reset)
	redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
return {n, reset}
