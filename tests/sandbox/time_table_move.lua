-- expect: time_table_move.lua:4: table.move: moving 4.611686018e+18 entries could run for hours
-- args: --time-limit 2
-- table.move loops over every index in C, whether or not the entries exist.
table.move({}, 1, 2^62, 2)
