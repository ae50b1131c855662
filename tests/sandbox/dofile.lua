-- expect: unknown name 'dofile'
dofile("/etc/passwd")
