scenario { title = "race", extends = "link_out" }
v2.score = 60
