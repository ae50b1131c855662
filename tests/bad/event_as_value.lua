-- expect: event_as_value.lua:4: v2.slip must be a number or an uncertain value, got the quarter release("v1") + 1
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.slip = release("v1") + 1
