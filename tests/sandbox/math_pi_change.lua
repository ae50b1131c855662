-- expect: math is read-only: math.pi cannot be changed
math.pi = 3
