-- expect: a description may have line breaks
-- exit: 0
-- A description may hold line breaks and tabs (it is prose).
scenario { extends = "base", description = "two\nlines\tand a tab" }
print("a description may have line breaks")
