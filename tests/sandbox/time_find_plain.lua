-- expect: string.find: a 8388609-byte pattern with 0 repetition items on a 16777216-byte string could run for hours
-- args: --time-limit 2
-- A plain find compares the needle at every start: 8 MB x 8 MB in one C call.
local s = string.rep("a", 1 << 24)
local needle = string.rep("a", 1 << 23) .. "b"
local i = string.find(s, needle, 1, true)
