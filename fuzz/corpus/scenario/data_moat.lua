-- What if the data moat is real?
scenario { title = "Data moat is real", extends = "base" }

moat = 1
