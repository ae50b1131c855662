-- expect: quarter_format.lua:4: v2.planned: must be a quarter like 2026Q2, got 'Q3 2026'
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.planned = "Q3 2026"
