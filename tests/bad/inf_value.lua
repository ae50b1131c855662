-- expect: inf_value.lua:4: family.people must be a finite number, got inf
-- exit: 1
scenario { title = "bad", extends = "base" }
family.people = 1/0
