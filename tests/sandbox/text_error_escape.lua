-- expect: boom\x1b[2J\xc2\x9b\x07
-- error() with escape sequences: the message shows them escaped.
error("boom\27[2J\194\155\7", 0)
