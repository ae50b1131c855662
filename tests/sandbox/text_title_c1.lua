-- expect: meta_ai.title holds a control character (byte 194 at position 2)
-- A C1 control (CSI, U+009B) in a surface title.
scenario { extends = "base" }
meta_ai.title = "x\194\155y"
