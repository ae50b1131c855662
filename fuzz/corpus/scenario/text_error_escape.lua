-- error() with escape sequences: the message shows them escaped.
error("boom\27[2J\194\155\7", 0)
