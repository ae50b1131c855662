-- expect: the scenario needs more than 32 MB of memory
-- args: --lua-memory 32
local s = string.rep("x", 2^30)
