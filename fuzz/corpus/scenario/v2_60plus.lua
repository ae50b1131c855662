-- What if v2 scores 60+ and ships on time?
scenario { title = "v2 scores 60+", extends = "base" }

v2.slip = 0
v2.score = normal(62, 1.5):truncate{ low = 60 }
