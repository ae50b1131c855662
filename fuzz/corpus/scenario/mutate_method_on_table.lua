-- A method of an uncertain value called on a table the scenario forged.
scenario { extends = "base" }
local d = normal(58, 3)
local fake = { op = "dist", family = 12345 }
d.named(fake, "x")
