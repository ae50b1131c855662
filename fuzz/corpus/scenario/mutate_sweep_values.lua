-- A sweep's value list changed to a string and a table after the sweep was declared.
scenario { extends = "base" }
local vals = { 50, 55, 60 }
sweep "score" { inputs = "v2.score", values = vals, stat = "mean" }
vals[1] = "x"
vals[2] = {}
print("the sweep kept its numbers")
