-- A distribution turned into an expression by giving it operands.
scenario { extends = "base" }
local d = normal(58, 3)
d[1] = normal(1, 2)
v2.score = d
