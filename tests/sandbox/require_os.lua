-- expect: unknown name 'require'
local os = require "os"
os.execute("touch PWNED")
