-- expect: did not finish loading within 1 s
-- args: --time-limit 1
while true do pcall(function() while true do end end) end
