-- expect: mutate_operand.lua:5: an uncertain value cannot be changed (field '1')
-- A distribution turned into an expression by giving it operands.
scenario { extends = "base" }
local d = normal(58, 3)
d[1] = normal(1, 2)
v2.score = d
