-- expect: the scenario needs more than 32 MB of memory
-- args: --lua-memory 32
local ok = xpcall(string.rep, tostring, "x", 2^30)
error("the memory error was caught")
