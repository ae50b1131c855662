-- expect: outside the folder
scenario { extends = "outside_link" }
