-- A distribution's family removed after the library checked it (C once read it with strcmp).
scenario { extends = "base" }
local d = normal(58, 3)
d.family = nil
v2.score = d
