-- expect: string.find: a 4-byte pattern with 1 repetition items on a 16777216-byte string
-- args: --time-limit 2
-- %b() scans to the end of the subject from every start: quadratic in one call.
local s = string.rep("(", 1 << 24)
local i = string.find(s, "%b()")
