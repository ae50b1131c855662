-- expect: unknown name 'loadfile'
loadfile("/etc/passwd")
