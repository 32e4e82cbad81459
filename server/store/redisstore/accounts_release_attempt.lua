-- accounts_release_attempt takes one attempt back from each key's open
-- window: the sign-in it was reserved for succeeded.
--
-- KEYS[i] -> samtykke:{accounts}:throttle:<key>   HASH n, reset (ms), next (ms)
--
-- ARGV[1] -> now, Unix time in ms (the server's clock)
--
-- Returns 0. A key with no attempt in an open window is left alone.
for _, key in ipairs(KEYS) do
	local v = redis.call('HMGET', key, 'n', 'reset')
	local n, reset = tonumber(v[1]), tonumber(v[2])
	if n and reset and n > 0 and reset > tonumber(ARGV[1]) then
		redis.call('HINCRBY', key, 'n', -1)
	end
end
return 0
