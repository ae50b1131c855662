-- expect: goal_low_nan.lua:4: goal "nan": low must be a finite number, got nan
-- exit: 1
scenario { extends = "base" }
goal "nan" { input = "v2.score", output = "npv", stat = "mean", target = 0, low = 0/0, high = 80 }
