-- What if v2 slips two or three quarters, or lands at 54?
scenario { title = "v2 slips or lands at 54", extends = "base" }

v2.slip = discrete{ [2] = .6, [3] = .4 }
v2.score = normal(54, 1.5)
