-- expect: stack overflow (an uncertain value nested too deeply?)
-- args: --time-limit 60
-- An uncertain value 300,000 operations deep: it fails with a message (a stack
-- overflow in the resolution, blamed on the file, not on roisim's library) or the time
-- limit, never a crash.
scenario { extends = "base" }
local x = normal(5, 1.5)
for i = 1, 300000 do x = x + 1 end
frontier.slope = x
