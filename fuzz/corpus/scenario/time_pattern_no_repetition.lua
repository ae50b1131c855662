-- A pattern without * + - ? still costs (its length) x (the subject's) steps.
local s = string.rep("a", 1 << 24)
local p = string.rep(".", 1 << 20) .. "b"
local m = s:match(p)
