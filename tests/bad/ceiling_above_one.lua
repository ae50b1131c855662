-- expect: ceiling_above_one.lua:4: meta_ai.ceiling: must be in [0, 1], got 1.5
-- exit: 1
scenario { title = "bad", extends = "base" }
meta_ai.ceiling = 1.5
