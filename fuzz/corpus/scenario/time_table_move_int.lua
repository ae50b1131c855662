-- The same with integer bounds, into another table.
local t = table.move({ 1 }, 0, 1 << 40, 1, {})
