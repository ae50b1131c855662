-- expect: is not a text file
scenario { extends = "binary_parent.bin" }
