-- expect: unknown name 'debug'
local r = debug.getregistry()
