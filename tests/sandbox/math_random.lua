-- expect: math.random does not exist (it is not allowed in scenarios)
local x = math.random()
