-- A title that would recolour the terminal when the report prints it.
scenario { extends = "base", title = "a\27[31mred" }
