-- print cannot send escape sequences or carriage returns to the terminal.
print("clear\27[2J\27]0;title\7 bell\r over")
error("stopped after printing", 0)
