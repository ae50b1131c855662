-- expect: did not finish loading within 1 s
-- args: --time-limit 1
while true do xpcall(function() while true do end end, function(e) return e end) end
