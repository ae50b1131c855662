-- expect: unknown name '_G'
local g = _G
g.os.execute("touch PWNED")
