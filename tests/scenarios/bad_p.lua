scenario { title = "bad adoption p", extends = "base" }
facebook.adoption.p = -0.1
