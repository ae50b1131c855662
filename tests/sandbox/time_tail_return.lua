-- expect: time_tail_return.lua: string.find: a 9-byte pattern with 4 repetition items
-- args: --time-limit 2
-- A top-level return makes the call a tail call: the scenario's frame is gone, which
-- once made the guard take the call for the library's own.
return string.find(string.rep("a", 5000), ".-.-.-.-b")
