-- expect: stage_offset.lua:4: meta_ai.stages: stage 1: the offset must be a whole number of quarters >= 0, got 0.5
-- exit: 1
scenario { title = "bad", extends = "base" }
meta_ai.stages = { {0.5, 1} }
