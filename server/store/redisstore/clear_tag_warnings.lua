-- clear_tag_warnings removes every tag warning of a site
-- (consent.Store.ClearTagWarnings).
--
-- KEYS[1] -> samtykke:{<site>}:site           site JSON; must exist
-- KEYS[2] -> samtykke:{<site>}:tag-warnings   HASH entry key → entry JSON
--
-- Returns 0 if the site does not exist, 1 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then
	return 0
end
redis.call('DEL', KEYS[2])
return 1
