-- expect: unknown name 'collectgarbage'
collectgarbage("stop")
