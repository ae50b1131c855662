-- A list read back from a field is a copy: changing it changes nothing the model holds.
scenario { extends = "base" }
local s = meta_ai.stages
s[1] = 99
s[2] = {}
print("still " .. meta_ai.stages[1][1])
