-- expect: discrete_negative.lua:4: v2.slip: probability of 0 must be in [0, 1], got 1.2
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.slip = discrete{ [0] = 1.2, [1] = -0.2 }
