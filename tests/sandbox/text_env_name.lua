-- expect: '\x1b[2J' cannot be removed (nil)
-- A global name is any string through _ENV: the message escapes it.
scenario { extends = "base" }
_ENV["\27[2J"] = nil
