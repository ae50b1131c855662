-- expect: base.lua:15: horizon.terminal_growth: must be < the discount rate, but can be 0.04 while the discount rate can be -0.5
-- exit: 1
scenario { title = "bad", extends = "base" }
horizon.discount = -0.5
