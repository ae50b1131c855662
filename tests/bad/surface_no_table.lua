-- expect: surface_no_table.lua:4: surface "x" takes a table of fields: surface "x" { ... }
-- exit: 1
scenario { title = "bad", extends = "base" }
surface "x" "y"
