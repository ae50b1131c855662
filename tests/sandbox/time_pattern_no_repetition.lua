-- expect: string.match: a 1048577-byte pattern with 0 repetition items
-- args: --time-limit 2
-- A pattern without * + - ? still costs (its length) x (the subject's) steps.
local s = string.rep("a", 1 << 24)
local p = string.rep(".", 1 << 20) .. "b"
local m = s:match(p)
