scenario { title = "race", extends = "./input" }
