-- expect: event_unknown_version.lua:4: frontier_compute.to: release("v9"): there is no version 'v9'; did you mean 'v1'?
-- exit: 1
scenario { title = "bad", extends = "base" }
frontier_compute.to = release("v9") + 2
