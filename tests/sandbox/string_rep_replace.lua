-- expect: string is read-only: string.rep cannot be changed
string.rep = function() return "evil" end
