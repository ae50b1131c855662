-- (the other half of extends_circle_a.lua: no expect line, not a case by itself)
scenario { title = "b", extends = "extends_circle_a" }
