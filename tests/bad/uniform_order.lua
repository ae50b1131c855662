-- expect: uniform_order.lua:4: horizon.terminal_growth: low must be < high, got low = 0.04, high = 0
-- exit: 1
scenario { title = "bad", extends = "base" }
horizon.terminal_growth = uniform(0.04, 0)
