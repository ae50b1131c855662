-- expect: could run for hours
local i = string.find(string.rep("a", 5000), ".-.-.-.-b")
