-- expect: unknown name 'os'
os.execute("touch PWNED")
