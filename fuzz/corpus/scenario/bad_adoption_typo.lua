-- expect: adoption_typo.lua:4: surface 'newone' has no field 'adoptoin'; did you mean 'adoption'?
-- exit: 1
scenario { title = "bad", extends = "base" }
surface "newone" {
  launch = "2026Q3", addressable = 1e8, ceiling = 0.5,
  adoptoin = { p = 0.03, q = 0.4 },
  interactions = 10,
}
