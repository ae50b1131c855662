-- The base case with a sweep, so that the MPI test also runs one (each point a run
-- spread over the ranks).
scenario { title = "base with a sweep", extends = "base" }

sweep "lift by v2 score" {
  inputs = { "core_ad_uplift.lift", "v2.score" },
  values = { { 0, 0.03 }, { 54, 62 } },
  stat = "median",
}
