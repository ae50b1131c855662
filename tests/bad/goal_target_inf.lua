-- expect: goal_target_inf.lua:4: goal "inf": target must be a finite number, got inf
-- exit: 1
scenario { extends = "base" }
goal "inf" { input = "v2.score", output = "npv", stat = "mean", target = 1/0, low = 40, high = 80 }
