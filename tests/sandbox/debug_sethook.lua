-- expect: unknown name 'debug'
debug.sethook(function() end, "l")
