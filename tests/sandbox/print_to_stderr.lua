-- expect: stopped after printing
print("PWNED on stdout")
error("stopped after printing", 0)
