-- expect: terminal_ge_discount.lua:4: horizon.terminal_growth: must be < the discount rate 0.09, got 0.1
-- exit: 1
scenario { title = "bad", extends = "base" }
horizon.terminal_growth = 0.10
