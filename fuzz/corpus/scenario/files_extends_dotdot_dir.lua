scenario { title = "race", extends = "../roisim-fuzz/base" }
