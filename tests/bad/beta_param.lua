-- expect: beta_param.lua:4: meta_ai.ceiling: a must be > 0, got 0
-- exit: 1
scenario { title = "bad", extends = "base" }
meta_ai.ceiling = beta(0, 5)
