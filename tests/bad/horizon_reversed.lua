-- expect: base.lua:15: horizon.to: must not be before horizon.from (2031Q1), got 2030Q4
-- exit: 1
scenario { title = "bad", extends = "base" }
horizon.from = "2031Q1"
