-- expect: print wrote 65536 bytes; the rest of the scenario's output is left out
-- args: --time-limit 20
-- print writes at most 64 KB in all (it once wrote 1.6 GB to standard error in 3 s).
local line = string.rep("x", 10000)
for i = 1, 2000 do print(line) end
error("stopped after printing", 0)
