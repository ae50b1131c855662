-- expect: sd_zero.lua:4: v2.score: sd must be > 0, got 0
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.score = normal(58, 0)
