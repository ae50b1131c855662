-- expect: scenario_not_first.lua:4: scenario { ... } must come before any declaration or assignment in the file
-- exit: 1
horizon { from = "2025Q2", to = "2030Q4", discount = 0.09 }
scenario { title = "late" }
