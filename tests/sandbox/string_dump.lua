-- expect: string.dump does not exist (it is not allowed in scenarios)
local b = string.dump(function() end)
