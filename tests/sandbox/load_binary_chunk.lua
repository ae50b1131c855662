-- expect: unknown name 'load'
local f = load("\27LuaT\0", "x", "b")
