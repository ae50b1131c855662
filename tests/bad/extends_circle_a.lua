-- expect: extends_circle_b.lua:2: scenarios extend each other in a circle: extends_circle_a.lua -> extends_circle_b.lua -> extends_circle_a.lua
-- exit: 1
scenario { title = "a", extends = "extends_circle_b" }
