-- expect: runtime_error.lua:5: attempt to index a nil value (local 't')
-- exit: 1
scenario { title = "bad", extends = "base" }
local t = nil
v2.score = t.x
