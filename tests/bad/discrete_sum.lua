-- expect: discrete_sum.lua:4: v2.slip: probabilities must sum to 1, got 1.05
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.slip = discrete{ [0] = .5, [1] = .35, [2] = .20 }
