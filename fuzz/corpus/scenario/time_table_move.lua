-- table.move loops over every index in C, whether or not the entries exist.
table.move({}, 1, 2^62, 2)
