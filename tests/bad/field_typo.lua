-- expect: field_typo.lua:4: version 'v2' has no field 'scroe'; did you mean 'score'?
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.scroe = 60
