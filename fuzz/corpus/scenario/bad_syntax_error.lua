-- expect: syntax_error.lua:5: ')' expected (to close '(' at line 4) near <eof>
-- exit: 1
scenario { title = "bad", extends = "base" }
v2.score = normal(58, 3.5
