-- expect: unknown name 'setmetatable'
setmetatable(_G, { __index = function() end })
