-- expect: goal name holds a control character (byte 27
-- A goal name with an escape sequence.
scenario { extends = "base" }
goal "g\27]0;pwned\7" { input = "v2.score", output = "npv", stat = "mean", target = 0, low = 40, high = 80 }
