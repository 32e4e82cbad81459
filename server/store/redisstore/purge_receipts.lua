-- purge_receipts deletes receipts past retention from a site's log together
-- with their index entries, atomically per receipt set. The caller read the
-- entries (XRANGE) and chose them; running this twice, or on two replicas at
-- once, deletes each receipt once and counts it once.
--
-- KEYS[1] -> samtykke:{<site>}:log                   receipt stream
-- KEYS[2i] -> samtykke:{<site>}:cid:<consent_id>     consent list of receipt i
-- KEYS[2i+1] -> samtykke:{<site>}:rid:<receipt_id>   idempotency key of receipt i
--
-- ARGV[i] -> stream id of receipt i
--
-- Returns how many log entries this call deleted (entries already gone, by
-- another purge or the safety-net trim, are not counted).
local removed = 0
for i = 1, #ARGV do
	local id = ARGV[i]
	removed = removed + redis.call('XDEL', KEYS[1], id)
	redis.call('LREM', KEYS[2 * i], 0, id)
	-- Only if it still names this entry: never forget a newer receipt that
	-- reuses the id.
	if redis.call('GET', KEYS[2 * i + 1]) == id then
		redis.call('DEL', KEYS[2 * i + 1])
	end
end
return removed
