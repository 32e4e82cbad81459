-- accounts_reserve_attempt counts one sign-in attempt under every key if
-- each has room, and otherwise counts none: checking and counting in one
-- step is what keeps many attempts sent at once (from many replicas) from
-- all passing the check before any is counted. Each key has a fixed window
-- opened by its first attempt, a cap on attempts in it, and delays that
-- grow after its free attempts (accounts.Limit; the delay is
-- Limit.DelayAfter, computed here again).
--
-- KEYS[i] -> samtykke:{accounts}:throttle:<key>   HASH n, reset (ms), next (ms)
--
-- ARGV[1]         -> now, Unix time in ms (the server's clock)
-- ARGV[2+5(i-1)]  -> KEYS[i]'s cap of attempts per window (0: none)
-- ARGV[3+5(i-1)]  -> its window, ms: also the key's TTL, so that Redis's
--                    clock need not agree with the server's
-- ARGV[4+5(i-1)]  -> its free attempts before delays begin
-- ARGV[5+5(i-1)]  -> the delay after the first attempt past those, ms (0: none)
-- ARGV[6+5(i-1)]  -> the longest delay, ms
--
-- Returns {1, "0"} when counted, or {0, when every key has room again in
-- ms}. Times are written with %.0f: Lua's numbers are doubles, which
-- tostring would print in exponent form.
local now = tonumber(ARGV[1])
local state = {}
local retry = 0
for i, key in ipairs(KEYS) do
	local a = 2 + (i - 1) * 5
	local cap, window = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
	local v = redis.call('HMGET', key, 'n', 'reset', 'next')
	local n, reset, nxt = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0
	local opened = false
	if reset <= now then
		n, reset, nxt, opened = 0, now + window, 0, true
	end
	state[i] = {n, reset, nxt, opened}
	local at = 0
	if cap > 0 and n >= cap then
		at = reset
	elseif now < nxt then
		at = nxt
	end
	if at > retry then
		retry = at
	end
end
if retry > 0 then
	return {0, string.format('%.0f', retry)}
end
for i, key in ipairs(KEYS) do
	local a = 2 + (i - 1) * 5
	local window, free, delay, longest = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
	local n, reset, nxt, opened = state[i][1] + 1, state[i][2], state[i][3], state[i][4]
	if delay > 0 and n > free then
		local d = delay * 2 ^ (n - free - 1)
		if d > longest then
			d = longest
		end
		nxt = now + d
	end
	redis.call('HSET', key, 'n', n, 'reset', string.format('%.0f', reset), 'next', string.format('%.0f', nxt))
	if opened then
		redis.call('PEXPIRE', key, window)
	end
end
return {1, '0'}
