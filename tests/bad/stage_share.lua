-- expect: stage_share.lua:4: meta_ai.stages: stage 1: share must be in (0, 1], got 1.5
-- exit: 1
scenario { title = "bad", extends = "base" }
meta_ai.stages = { {0, 1.5} }
