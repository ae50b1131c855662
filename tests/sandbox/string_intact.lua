-- (a helper, not a case: no expect line) A valid scenario that checks the string
-- library it sees is the real one, after another scenario tried to change it.
scenario { title = "string intact", extends = "base" }
assert(("ab"):rep(2) == "abab" and string.rep("x", 3) == "xxx", "string.rep was changed")
assert(string.format("%d", 7) == "7" and #string.upper("ab") == 2, "string was changed")
