-- expect: milestone_outside.lua:4: late.quarter: 2040Q1 is after the horizon 2025Q2..2030Q4
-- exit: 1
scenario { title = "bad", extends = "base" }
milestone "late" { series = "revenue", quarter = "2040Q1", at_least = 1 }
