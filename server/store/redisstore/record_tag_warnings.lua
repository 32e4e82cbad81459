-- record_tag_warnings counts one report of the tags a snippet saw on one
-- page (consent.Store.RecordTagWarnings), atomically: concurrent reports
-- from any number of replicas lose no count, and the site never holds more
-- than ARGV[3] entries. A new entry beyond that is dropped; no entry is ever
-- evicted for it.
--
-- KEYS[1] -> samtykke:{<site>}:site           site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:tag-warnings   HASH entry key → entry JSON
--
-- ARGV[1] -> now, ms since 1970
-- ARGV[2] -> page path
-- ARGV[3] -> most entries the site keeps (consent.MaxTagWarnings)
-- ARGV[4] -> most pages an entry keeps (consent.MaxTagWarningPages)
-- then for each tag, four values: its entry key (consent.TagWarning.Key),
--   vendor, kind and markup
--
-- An entry is {"vendor","kind","markup","count","first","last","pages"}:
-- first and last in ms since 1970, pages most recent first.
--
-- Returns -1 if the site does not exist (nothing written), otherwise how
-- many tags were dropped.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return -1
end
local now, page = tonumber(ARGV[1]), ARGV[2]
local maxEntries, maxPages = tonumber(ARGV[3]), tonumber(ARGV[4])
local n = redis.call('HLEN', KEYS[2])
local dropped = 0
for i = 5, #ARGV, 4 do
	local key = ARGV[i]
	local raw = redis.call('HGET', KEYS[2], key)
	local e
	if raw then
		e = cjson.decode(raw)
		e.count = e.count + 1
		if now > e.last then
			e.last = now
		end
		if now < e.first then
			e.first = now
		end
	elseif n < maxEntries then
		e = {vendor = ARGV[i + 1], kind = ARGV[i + 2], markup = ARGV[i + 3], count = 1, first = now, last = now}
		n = n + 1
	end
	if e then
		-- page first, then the others in their order, each once.
		local pages = {}
		if page ~= '' then
			pages[1] = page
		end
		for _, p in ipairs(e.pages or {}) do
			if p ~= page and #pages < maxPages then
				pages[#pages + 1] = p
			end
		end
		-- cjson writes an empty table as {}, which is no list: leave it out.
		if #pages > 0 then
			e.pages = pages
		else
			e.pages = nil
		end
		redis.call('HSET', KEYS[2], key, cjson.encode(e))
	else
		dropped = dropped + 1
	end
end
return dropped
