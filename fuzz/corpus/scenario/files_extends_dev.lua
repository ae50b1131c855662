scenario { title = "race", extends = "/dev/stdin" }
