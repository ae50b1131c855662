scenario { title = "race", extends = "link_link" }
