scenario { title = "race", extends = "fifo" }
