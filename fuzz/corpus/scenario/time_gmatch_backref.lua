-- A back-reference compares a capture's length at every step.
local s = string.rep("a", 1 << 20)
for x in s:gmatch("(a*)%1b") do end
