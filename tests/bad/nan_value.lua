-- expect: nan_value.lua:4: horizon.discount must be a finite number, got nan
-- exit: 1
scenario { title = "bad", extends = "base" }
horizon.discount = 0/0
