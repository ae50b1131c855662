-- expect: table.move: moving 1099511627777 entries could run for hours
-- args: --time-limit 2
-- The same with integer bounds, into another table.
local t = table.move({ 1 }, 0, 1 << 40, 1, {})
