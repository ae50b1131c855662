-- expect: string is read-only: string.rep cannot be changed
local ok, e = pcall(function() string.rep = function() return "evil" end end)
assert(("ab"):rep(2) == "abab")
error(e, 0)
