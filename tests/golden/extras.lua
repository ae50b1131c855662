-- A what-if of base that exercises what the bundled scenarios do not: correlated
-- inputs, a two-input sweep and a stress test (tests/e2e/golden.sh pins its bytes).
scenario { title = "golden extras", extends = "base" }
correlate {
  { "v2.score", "frontier.slope", -0.4 },
  { "core_ad_uplift.lift", "ai_conversation_ads.ratio", 0.5 },
}
sweep "lift by v2 score" {
  inputs = { "core_ad_uplift.lift", "v2.score" },
  values = { { 0, 0.03, 0.06 }, { 54, 58, 62 } },
  stat = "median", output = "npv", mode = "value", trials = 2048,
}
stress "low_lift" { input = "core_ad_uplift.lift", low = 0, high = 0.1 }
