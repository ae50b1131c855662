-- A stage entry replaced by an integer after the list was assigned: C once read
-- through the address integer + 12. The library keeps its own copy of the list.
scenario { extends = "base" }
local s = { {0, .5}, {1, 1} }
meta_ai.stages = s
s[1] = 12345
s[2] = "x"
print("stage 1 starts at " .. meta_ai.stages[1][1])
