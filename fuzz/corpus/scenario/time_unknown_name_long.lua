-- A 1 MB unknown name: refused at once, without a "did you mean" that would compare
-- it with every name in C.
local v = _ENV[string.rep("x", 1 << 20)]
