-- expect: string.gsub: a 1048577-byte pattern
-- args: --time-limit 2
-- gsub with a long pattern of single-character items.
local s = string.rep("a", 1 << 23)
local r = string.gsub(s, string.rep("a", 1 << 20) .. "b", "")
