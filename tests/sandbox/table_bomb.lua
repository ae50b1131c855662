-- expect: the scenario needs more than 32 MB of memory
-- args: --lua-memory 32
local t = {}
for i = 1, 1e12 do t[i] = i end
