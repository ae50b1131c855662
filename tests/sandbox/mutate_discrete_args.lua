-- expect: mutate_discrete_args.lua:6: an uncertain value cannot be changed (field 'args')
-- A discrete's outcome lists replaced by a string after the check.
scenario { extends = "base" }
local d = discrete{ [0] = .5, [1] = .5 }
v2.slip = d
d.args = "zzz"
