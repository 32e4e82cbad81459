-- save_receipts stores a batch of consent receipts of one site (concurrent
-- requests, see batch.go) and counts them. Each receipt is stored as it
-- would be alone: its log entry, idempotency key, consent list entry and
-- every counter are written, or (a duplicate) nothing is. A batch may hold
-- the same receipt id twice: the second is a duplicate of the first.
--
-- KEYS[1] -> samtykke:{<site>}:site                site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:log                 receipt stream
-- KEYS[3] -> samtykke:{<site>}:late                most ms a log id has run ahead of its receipt
-- KEYS[4] -> samtykke:{<site>}:buckets:d           day bucket index
-- KEYS[5] -> samtykke:{<site>}:buckets:h           hour bucket index
-- KEYS[6] -> samtykke:{<site>}:seq                 last seq assigned (INCR)
-- KEYS[7] -> samtykke:{<site>}:leaves              seq → receipt hash + receipt id
-- KEYS[8] -> samtykke:{<site>}:seqs                receipt id → seq
-- KEYS[9] -> samtykke:{<site>}:erased              tombstones by receipt id
-- then for receipt i = 1..n, at k = 10 + 4(i-1):
-- KEYS[k]   -> samtykke:{<site>}:rid:<receipt_id>  idempotency key
-- KEYS[k+1] -> samtykke:{<site>}:cid:<consent_id>  stream ids of the consent id
-- KEYS[k+2] -> samtykke:{<site>}:d:<YYYYMMDD>      day counters
-- KEYS[k+3] -> samtykke:{<site>}:h:<YYYYMMDDHH>    hour counters
--
-- ARGV[1] -> idempotency key TTL, seconds
-- ARGV[2] -> the site's retention, seconds (TTL of log and consent lists)
-- ARGV[3] -> day bucket TTL, seconds
-- ARGV[4] -> hour bucket TTL, seconds
-- then for each receipt, in KEYS order:
--   receipt JSON; its server time, ms since 1970 (the log id to use);
--   day bucket start and hour bucket start, seconds since 1970 (their
--   scores in KEYS[4] and KEYS[5]); day bucket name YYYYMMDD and hour bucket
--   name YYYYMMDDHH (their members); its receipt id; its leaf hash
--   (consent.ReceiptHash, hex); the number of counter fields, m; and the m
--   counter fields, each incremented by 1 in both buckets
--
-- Returns {-1} if the site does not exist (deleted): nothing written.
-- Otherwise one element per receipt: 1 if created; if a duplicate, the
-- stored receipt's JSON, or nil if its log entry is gone (erased, see
-- erase_consent.lua: an erased receipt id is never stored again).
--
-- Each new receipt gets the site's next seq and its leaf in the same
-- script, so a seq is never seen before its receipt (seal.go).
if redis.call('EXISTS', KEYS[1]) == 0 then
	return {-1}
end

local n = (#KEYS - 9) / 4
local out = {}
-- The log's last millisecond, once a write of this script has told it:
-- Redis runs nothing else meanwhile, so later receipts of the batch need no
-- failed XADD to learn it.
local last
local late, wrote = 0, false
-- Counters are added up per bucket and written once per bucket at the end:
-- one HMGET and one HSET, however many receipts and fields.
local buckets, order = {}, {}

local function tally(key, index, ttl, score, name, from, m)
	local b = buckets[key]
	if not b then
		b = {index = index, ttl = ttl, score = score, name = name, fields = {}, n = {}}
		buckets[key] = b
		order[#order + 1] = key
	end
	for j = from, from + m - 1 do
		local f = ARGV[j]
		local c = b.n[f]
		if c then
			b.n[f] = c + 1
		else
			b.n[f] = 1
			b.fields[#b.fields + 1] = f
		end
	end
end

-- logMs returns the millisecond of the log's newest id, for a receipt whose
-- own XADD failed because the log is ahead of it.
local function logMs()
	-- The newest entry: far cheaper than XINFO STREAM, which also copies
	-- the first entry and the radix tree's numbers into Lua.
	local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
	local ms = top[1] and string.match(top[1][1], '^(%d+)-')
	if ms then
		return ms, true
	end
	return nil, false
end

-- append files one receipt in the log and returns its id. The log id is the
-- receipt's server time, not Redis's clock, so that the janitor's purge and
-- an export of a period find receipts by time from the id alone. Ids must
-- grow, though, and a receipt can arrive after one with a later server time
-- (two replicas, or two requests of one, racing): that one is filed at the
-- log's last millisecond instead, and KEYS[3] remembers the largest such
-- gap, so readers know how far past a time to look. A log id is therefore
-- never earlier than its receipt's server time.
local function append(json, msArg)
	local ms = tonumber(msArg)
	local id
	if last and ms < tonumber(last) then
		id = redis.call('XADD', KEYS[2], last .. '-*', 'r', json)
	elseif last then
		id = redis.call('XADD', KEYS[2], msArg .. '-*', 'r', json)
	else
		id = redis.pcall('XADD', KEYS[2], msArg .. '-*', 'r', json)
		if type(id) == 'table' and id.err then
			if not string.find(id.err, 'equal or smaller', 1, true) then
				error(id)
			end
			local top, found = logMs()
			if found then
				id = redis.pcall('XADD', KEYS[2], top .. '-*', 'r', json)
			end
			if not found or (type(id) == 'table' and id.err) then
				-- The newest entries were deleted (Purge's XDEL keeps the
				-- stream's last generated id): only XINFO knows it.
				local info = redis.call('XINFO', 'STREAM', KEYS[2])
				for i = 1, #info, 2 do
					if info[i] == 'last-generated-id' then
						top = string.match(info[i + 1], '^(%d+)-')
					end
				end
				id = redis.call('XADD', KEYS[2], top .. '-*', 'r', json)
			end
		end
	end
	last = string.match(id, '^(%d+)-')
	local gap = tonumber(last) - ms
	if gap > late then
		late = gap
	end
	return id
end

local function save()
	local a = 5
	for i = 1, n do
		local k = 10 + 4 * (i - 1)
		local rid = ARGV[a + 6]
		local m = tonumber(ARGV[a + 8])
		local prev = redis.call('GET', KEYS[k])
		if not prev and redis.call('HEXISTS', KEYS[9], rid) == 1 then
			out[i] = false
		elseif prev then
			local entries = redis.call('XRANGE', KEYS[2], prev, prev)
			-- An entry is {id, {field, value, ...}}; the receipt is field
			-- "r". Gone (false, a nil reply) only after a manual trim.
			out[i] = entries[1] and entries[1][2][2] or false
		else
			local id = append(ARGV[a], ARGV[a + 1])
			-- Counted as soon as it is in the log (see the pcall below).
			wrote = true
			local seq = redis.call('INCR', KEYS[6])
			redis.call('HSET', KEYS[7], seq, ARGV[a + 7] .. rid)
			redis.call('HSET', KEYS[8], rid, seq)
			tally(KEYS[k + 2], KEYS[4], ARGV[3], ARGV[a + 2], ARGV[a + 4], a + 9, m)
			tally(KEYS[k + 3], KEYS[5], ARGV[4], ARGV[a + 3], ARGV[a + 5], a + 9, m)
			redis.call('SET', KEYS[k], id, 'EX', ARGV[1])
			redis.call('RPUSH', KEYS[k + 1], id)
			redis.call('EXPIRE', KEYS[k + 1], ARGV[2])
			out[i] = 1
		end
		a = a + 9 + m
	end
end

-- finish writes what the receipts saved so far share: the log's TTL, the
-- late gap, and the counters.
local function finish()
	if not wrote then
		return
	end
	-- No MINID trim: retention is the janitor's, by consentd's clock; the
	-- EXPIRE is only a safety net.
	redis.call('EXPIRE', KEYS[2], ARGV[2])
	if late > tonumber(redis.call('GET', KEYS[3]) or '0') then
		redis.call('SET', KEYS[3], late)
	end
	for _, key in ipairs(order) do
		local b = buckets[key]
		local v = redis.call('HMGET', key, unpack(b.fields))
		local kv = {}
		for i, f in ipairs(b.fields) do
			kv[2 * i - 1] = f
			kv[2 * i] = (tonumber(v[i]) or 0) + b.n[f]
		end
		redis.call('HSET', key, unpack(kv))
		-- The bucket lacked the first field its first receipt counts: it is
		-- new, or new to receipts (an impression made it). Its TTL runs from
		-- its first write (NX), so a busy bucket still expires, and its
		-- index entry lets the janitor find it without SCAN; an index
		-- outlives every bucket it lists, since each new bucket pushes its
		-- TTL out to the bucket's own.
		if not v[1] then
			redis.call('EXPIRE', key, b.ttl, 'NX')
			redis.call('ZADD', b.index, b.score, b.name)
			redis.call('EXPIRE', b.index, b.ttl)
		end
	end
end

-- Redis does not undo a script's writes when it fails. A failure part-way
-- (once the first write succeeded only a key of the wrong type can cause
-- one: Redis refuses a script for lack of memory only at its first write)
-- still leaves every receipt before it complete, counters included, and
-- none after it touched.
local ok, err = pcall(save)
finish()
if not ok then
	if type(err) == 'table' then
		return err
	end
	return redis.error_reply(tostring(err))
end
return out
