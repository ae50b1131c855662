-- expect: sweep_value_inf.lua:4: sweep "s": values for v2.score must be finite numbers, got -inf
-- exit: 1
scenario { extends = "base" }
sweep "s" { inputs = "v2.score", values = { 50, -1/0 }, stat = "mean" }
