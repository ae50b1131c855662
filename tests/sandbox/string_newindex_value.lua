-- expect: attempt to index a string value
local s = ""
s.rep = 1
