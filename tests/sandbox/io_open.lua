-- expect: unknown name 'io'
io.open("PWNED", "w"):write("x")
