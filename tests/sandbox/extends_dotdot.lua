-- expect: no '..'
scenario { extends = "../../scenarios/base" }
