-- expect: 'x' cannot be removed (nil)
x = nil
