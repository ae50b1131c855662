-- expect: unknown_global.lua:4: unknown name 'normall'; did you mean 'normal'?
-- exit: 1
scenario { title = "bad", extends = "base" }
x = normall(1, 2)
