-- What if Meta stops the frontier race after v2? No v3 or v4; frontier compute and the
-- research team wind down over the two quarters after v2's release; the senior
-- packages keep vesting (already granted); inference and every stream go on, with the
-- product kept at v2's score while the frontier moves on (MODEL.md 11.1). With base,
-- the two options of the gate that base.lua's decision prices.
scenario {
  title = "Stop after v2",
  description = "no v3 or v4; frontier compute and research wound down after v2 ships",
  extends = "base",
}

v3.cancel = true                         -- v4 comes after v3, so it never ships either
frontier_compute.to = release("v2") + 2  -- E: a two-quarter wind-down
research_team.to = release("v2") + 2     -- E: the same
