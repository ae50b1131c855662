-- expect: version_name.lua:4: version needs a name made of letters, digits and _: version "name" { ... }
-- exit: 1
scenario { title = "bad", extends = "base" }
version "v 5" { after = 1 }
