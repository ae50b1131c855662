-- expect: extends_missing.lua:3: extends = 'no_such_parent': no scenario 'no_such_parent.lua' in the folders searched:
-- exit: 1
scenario { title = "x", extends = "no_such_parent" }
