-- expect: no absolute paths
scenario { extends = "/etc/passwd" }
