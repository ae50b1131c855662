-- expect: tri_order.lua:4: v2.score: min must be < max, got min = 60, max = 55
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.score = triangular(60, 50, 55)
