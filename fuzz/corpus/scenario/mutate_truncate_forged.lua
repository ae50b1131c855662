-- truncate called on a forged table that looks like a distribution.
scenario { extends = "base" }
local d = normal(58, 3)
v2.score = d.truncate({ op = "dist", family = "normal", args = { 1, "x" } }, { low = 0 })
