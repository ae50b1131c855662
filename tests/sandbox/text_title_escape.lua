-- expect: scenario.title holds a control character (byte 27 at position 2)
-- A title that would recolour the terminal when the report prints it.
scenario { extends = "base", title = "a\27[31mred" }
