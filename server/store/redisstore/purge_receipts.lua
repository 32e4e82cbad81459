-- purge_receipts deletes receipts past retention from a site's log together
-- with their index entries, atomically per receipt set. The caller read the
-- entries (XRANGE) and chose them; running this twice, or on two replicas at
-- once, deletes each receipt once and counts it once. Leaves stay (seal.go).
--
-- KEYS[1] -> samtykke:{<site>}:log                     receipt stream
-- KEYS[2] -> samtykke:{<site>}:seqs                    receipt id → seq
-- KEYS[2i+1] -> samtykke:{<site>}:cid:<consent_id>     consent list of receipt i
-- KEYS[2i+2] -> samtykke:{<site>}:rid:<receipt_id>     idempotency key of receipt i
--
-- ARGV[2i-1] -> stream id of receipt i
-- ARGV[2i]   -> receipt id of receipt i
--
-- Returns how many log entries this call deleted (entries already gone, by
-- another purge or the safety-net trim, are not counted).
local removed = 0
for i = 1, #ARGV / 2 do
	local id = ARGV[2 * i - 1]
	local n = redis.call('XDEL', KEYS[1], id)
	removed = removed + n
	if n == 1 then
		redis.call('HDEL', KEYS[2], ARGV[2 * i])
	end
	redis.call('LREM', KEYS[2 * i + 1], 0, id)
	-- Only if it still names this entry: never forget a newer receipt that
	-- reuses the id.
	if redis.call('GET', KEYS[2 * i + 2]) == id then
		redis.call('DEL', KEYS[2 * i + 2])
	end
end
return removed
