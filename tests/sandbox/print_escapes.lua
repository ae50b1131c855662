-- expect: clear\x1b[2J\x1b]0;title\x07 bell\x0d over
-- print cannot send escape sequences or carriage returns to the terminal.
print("clear\27[2J\27]0;title\7 bell\r over")
error("stopped after printing", 0)
