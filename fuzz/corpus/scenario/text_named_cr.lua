-- A carriage return in an input name would overwrite the line it is printed on.
scenario { extends = "base" }
frontier.slope = normal(5, 1.5):named("n\rx")
