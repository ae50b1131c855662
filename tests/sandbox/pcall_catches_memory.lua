-- expect: the scenario needs more than 32 MB of memory
-- args: --lua-memory 32
local ok = pcall(function() local s = "x" while true do s = s .. s end end)
error("the memory error was caught")
