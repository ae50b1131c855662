-- expect: mutate_op.lua:6: an uncertain value cannot be changed (field 'op')
-- An expression's operation replaced after it was built.
scenario { extends = "base" }
local d = normal(58, 3) + normal(1, 1)
v2.score = d
d.op = "dist"
