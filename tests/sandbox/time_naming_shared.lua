-- expect: named in time
-- exit: 0
-- args: --time-limit 20
-- x = x + x*0 nested 40 deep shares each level twice: 2^40 paths, 80 values. Naming
-- the inputs takes time in proportion to the values, not the paths.
scenario { extends = "base" }
local x = normal(5, 1.5)
for i = 1, 40 do x = x + x * 0 end
frontier.slope = x
print("named in time")
