-- expect: did not finish loading within 1 s
-- args: --time-limit 1
string.gsub("abc", "%a", function() while true do end end)
