-- %b() scans to the end of the subject from every start: quadratic in one call.
local s = string.rep("(", 1 << 24)
local i = string.find(s, "%b()")
