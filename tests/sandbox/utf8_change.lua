-- expect: utf8 is read-only
utf8.char = print
