-- expect: vesting_quarters.lua:4: spend 'bonus' (vesting) is missing 'heads'
-- exit: 1
scenario { title = "bad", extends = "base" }
spend "bonus" { kind = "vesting", from = "2026Q1", amount = 1e9, quarters = 2.5 }
