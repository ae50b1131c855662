-- string.rep("", n) once looped n times in C producing nothing.
local s = string.rep("", 2^62)
local t = (""):rep(1 << 62, "")
error("string.rep of nothing returned " .. #s + #t .. " bytes", 0)
