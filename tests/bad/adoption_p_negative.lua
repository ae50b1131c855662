-- expect: adoption_p_negative.lua:4: facebook.adoption.p: must be > 0, got -0.1
-- exit: 1
scenario { title = "bad", extends = "base" }
facebook.adoption.p = -0.1
