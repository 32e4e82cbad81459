-- backfill_leaves gives receipts stored before seqs existed their seq and
-- leaf, in the order given (log order). A receipt that has a seq already
-- (stored since, or backfilled by another replica) is skipped, so replicas
-- backfilling at once assign each receipt one seq.
--
-- KEYS[1] -> samtykke:{<site>}:seq      last seq assigned (INCR)
-- KEYS[2] -> samtykke:{<site>}:leaves   seq → receipt hash + receipt id
-- KEYS[3] -> samtykke:{<site>}:seqs     receipt id → seq
--
-- ARGV[2i-1] -> receipt id of receipt i
-- ARGV[2i]   -> its leaf hash (consent.ReceiptHash, hex)
--
-- Returns how many seqs it assigned.
local n = 0
for i = 1, #ARGV / 2 do
	local rid = ARGV[2 * i - 1]
	if redis.call('HEXISTS', KEYS[3], rid) == 0 then
		local seq = redis.call('INCR', KEYS[1])
		redis.call('HSET', KEYS[2], seq, ARGV[2 * i] .. rid)
		redis.call('HSET', KEYS[3], rid, seq)
		n = n + 1
	end
end
return n
