-- expect: unknown name 'coroutine'
local co = coroutine.wrap(function() end)
