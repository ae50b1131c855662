-- expect: nan_param.lua:4: normal: mean must be a finite number, got nan
-- exit: 1
scenario { title = "n", extends = "base" }
v2.score = normal(0/0, 1)
