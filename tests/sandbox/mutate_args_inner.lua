-- expect: attempt to index a nil value (field 'args')
-- The parameter list inside a distribution is not reachable: no table of the library's
-- is handed to scenario code, so its entries cannot become tables or integers.
scenario { extends = "base" }
local d = discrete{ [0] = .5, [1] = .5 }
d.args.values[1] = "x"
v2.slip = d
