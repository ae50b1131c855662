-- expect: scenarios extend each other in a circle
scenario { extends = "extends_self" }
