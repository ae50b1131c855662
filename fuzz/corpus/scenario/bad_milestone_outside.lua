-- expect: milestone_outside.lua:4: late.quarter: must lie inside the horizon, got 2040Q1
-- exit: 1
scenario { title = "bad", extends = "base" }
milestone "late" { series = "revenue", quarter = "2040Q1", at_least = 1 }
