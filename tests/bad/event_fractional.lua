-- expect: event_fractional.lua:4: research_team.to: must be in [-400, 400] and whole, got 0.5
-- exit: 1
scenario { title = "bad", extends = "base" }
research_team.to = release("v2") + 0.5
