-- A stream's list of surfaces changed to a number after it was assigned.
scenario { extends = "base" }
local l = { "meta_ai" }
subscriptions.surfaces = l
l[1] = 7
l[2] = {}
print("the stream kept its surfaces")
