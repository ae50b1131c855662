-- expect: bernoulli_p.lua:4: moat: p must be in [0, 1], got 1.5
-- exit: 1
scenario { title = "bad", extends = "base" }
moat = bernoulli(1.5)
