scenario { title = "bad sd", extends = "base" }

v2.score = normal(58, -1)
