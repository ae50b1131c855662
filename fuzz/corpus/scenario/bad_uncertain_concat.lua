-- expect: uncertain_concat.lua:4: an uncertain value cannot be joined to a string with ..; use tostring(x)
-- exit: 1
scenario { title = "bad", extends = "base" }
local s = "score " .. v2.score
