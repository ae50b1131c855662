scenario { title = "typo", extends = "base" }
v2.scroe = 60
