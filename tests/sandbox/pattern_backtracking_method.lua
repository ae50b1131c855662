-- expect: could run for hours
local s = ("a"):rep(100000)
local m = s:match("(.-)(.-)b")
