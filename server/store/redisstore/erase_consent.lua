-- erase_consent deletes every receipt of one consent id (GDPR Art. 17):
-- their log entries and consent list, at once. Leaves, seqs and counters
-- stay, so checkpoints still verify and the numbers do not change; each
-- receipt leaves a tombstone, which also keeps save_receipts.lua from
-- storing the same receipt id again. A second call finds nothing to erase.
--
-- KEYS[1] -> samtykke:{<site>}:site              site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:log               receipt stream
-- KEYS[3] -> samtykke:{<site>}:cid:<consent_id>  stream ids of the consent id
-- KEYS[4] -> samtykke:{<site>}:seqs              receipt id → seq
-- KEYS[5] -> samtykke:{<site>}:erased            tombstones by receipt id
--
-- ARGV[1] -> the end of each tombstone's JSON, from after its seq:
--            ,"erased_at":"…","actor":"…"} (encoded by the caller)
--
-- Returns nil if the site does not exist, else the new tombstones' JSON.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return false
end
local out = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
	local e = redis.call('XRANGE', KEYS[2], id, id)[1]
	if e then
		-- Receipt ids are UUIDs: nothing in them needs escaping.
		local rid = string.match(e[2][2], '"receipt_id":"([^"]*)"')
		local seq = redis.call('HGET', KEYS[4], rid) or '0'
		local ts = '{"receipt_id":"' .. rid .. '","seq":' .. seq .. ARGV[1]
		redis.call('HSET', KEYS[5], rid, ts)
		redis.call('XDEL', KEYS[2], id)
		out[#out + 1] = ts
	end
end
redis.call('DEL', KEYS[3])
return out
