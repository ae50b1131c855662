-- expect: extends_missing.lua:3: extends = 'no_such_parent': no scenario 'no_such_parent.lua' beside 'extends_missing.lua' or among the bundled ones
-- exit: 1
scenario { title = "x", extends = "no_such_parent" }
