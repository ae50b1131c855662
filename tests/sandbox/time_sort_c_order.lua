-- expect: the scenario did not finish loading within 1 s (a loop
-- args: --time-limit 1
-- A C function as the order (math.ult: no Lua instruction inside the sort) on a list
-- long enough that one sort outlasts the limit. The comparisons go through Lua, so the
-- time limit's hook stops it (not the hard stop, whose message differs).
local t = {}
for i = 1, 1 << 23 do t[i] = (i * 7919) % 1000003 end
table.sort(t, math.ult)
