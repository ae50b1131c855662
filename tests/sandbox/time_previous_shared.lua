-- expect: previous in time
-- exit: 0
-- args: --time-limit 5
-- A what-if that uses the value it replaces through a shared subexpression nested 40
-- deep (2^40 paths, 80 values): replacing the reference takes time in proportion to
-- the values, not the paths.
scenario { extends = "base" }
local x = frontier.slope
for i = 1, 40 do x = x + x * 0 end
frontier.slope = x
print("previous in time")
