-- expect: pert_order.lua:4: v2.score: mode must be in [min, max] = [50, 60], got 70
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.score = pert(50, 70, 60)
