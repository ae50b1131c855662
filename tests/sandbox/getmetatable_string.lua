-- expect: unknown name 'getmetatable'
getmetatable("").__index = { rep = function() return "evil" end }
