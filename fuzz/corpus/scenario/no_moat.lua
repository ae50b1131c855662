-- What if there is no data moat?
scenario { title = "No data moat", extends = "base" }

moat = 0
