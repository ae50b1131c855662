-- expect: the goal kept its fields
-- exit: 0
-- A goal's table changed after the declaration: input a number, target a string.
scenario { extends = "base" }
local spec = { input = "v2.score", output = "npv", stat = "mean", target = 0, low = 40, high = 80 }
goal "score for zero npv" (spec)
spec.input = 5
spec.target = "x"
spec.low = {}
print("the goal kept its fields")
