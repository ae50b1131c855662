-- expect: scenario_field.lua:3: scenario has no field 'titel'; did you mean 'title'?
-- exit: 1
scenario { titel = "x", extends = "base" }
