-- expect: quarter_bad.lua:4: v2.planned: must be a quarter like 2026Q2, got '2026Q5'
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.planned = "2026Q5"
