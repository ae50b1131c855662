scenario { title = "race", extends = "folder" }
