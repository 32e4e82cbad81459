-- write_site stores a site with the snapshot of its version and an audit
-- entry, all at once (consent.Store.WriteSite).
--
-- KEYS[1] -> samtykke:{<site>}:site           site JSON
-- KEYS[2] -> samtykke:{<site>}:deleted-site   a deleted site's JSON; its id stays taken
-- KEYS[3] -> samtykke:{<site>}:snapshots      HASH config version → snapshot JSON
-- KEYS[4] -> samtykke:{<site>}:audit          LIST of audit entry JSON
-- ARGV[1] -> "1" to create the site, "0" to replace it
-- ARGV[2] -> the site JSON
-- ARGV[3] -> the snapshot's version, or "" for none
-- ARGV[4] -> the snapshot JSON (stored only if the version has none)
-- ARGV[5] -> the audit entry JSON
--
-- Returns 1 when written, 0 when the site to replace does not exist, -1
-- when the id to create is taken.
if ARGV[1] == '1' then
	if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
		return -1
	end
elseif redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
	redis.call('HSETNX', KEYS[3], ARGV[3], ARGV[4])
end
redis.call('RPUSH', KEYS[4], ARGV[5])
return 1
