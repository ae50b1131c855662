-- expect: lognormal_key.lua:4: lognormal has no parameter 'p59'; did you mean 'p5'?
-- exit: 1
scenario { title = "bad", extends = "base" }
meta_ai.interactions = lognormal{ p5 = 20, p59 = 80 }
