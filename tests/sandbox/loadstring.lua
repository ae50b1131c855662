-- expect: unknown name 'loadstring'
loadstring("os.exit()")()
