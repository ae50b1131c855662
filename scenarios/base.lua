-- The base case: Meta Superintelligence Labs' bet on Muse Spark, as launched in
-- April 2026. Every number is an assumption you can change; the comment after each
-- says where it comes from:
--   A = stated in the launch analysis (shared/sources, April 2026)
--   P = public figure (Meta's 2025 filings)
--   E = estimate: an assumption to argue with
-- Money is nominal US dollars; quarters are written "2026Q2".

scenario {
  title = "Base case: Muse Spark as launched",
  description = "MSL's spend, the staged rollout to ~3B people, and how it monetizes",
}

-- ---- time and money --------------------------------------------------------------
horizon {
  from = "2025Q2",                    -- E: the quarter the Scale AI deal closed
  to = "2030Q4",                      -- E
  discount = 0.09,                    -- E: Meta's cost of capital
  terminal_growth = uniform(0, 0.04), -- E: Gordon growth after 2030, floored at 0 (abandonment)
}

-- ---- the model quality track -------------------------------------------------------
frontier {
  score = 68,                         -- A: Claude Opus 4.6 on the Intelligence Index
  slope = normal(5, 1.5),             -- E: frontier points gained a year
}

quality {
  beta = uniform(0.02, 0.06),         -- E: how fast adoption falls with the gap to the frontier
  -- gap_ref (G_ref) is left derived: frontier.score - v1.score, 68 - 52 = 16 on launch day
  min = 0.4, max = 1.8,               -- E: clamp of the quality multiplier
}

moat = bernoulli(0.5)                 -- A: "is the data moat real?" framed as open; E: even odds

version "v1" {                        -- Muse Spark
  planned = "2026Q2",                 -- A: launched April 8, 2026
  score = 52,                         -- A: Artificial Analysis Intelligence Index
}

version "v2" {
  planned = "2026Q3",                 -- A: the Q3 plan
  slip = discrete{ [0] = .45, [1] = .35, [2] = .20 },  -- E
  score = normal(58, 3.5),            -- A: "60+ or 54" framing; E: spread
}

-- Later versions improve on the previous one: faster with a data moat.
version "v3" {
  after = 3,                          -- E: three quarters after v2 ships
  slip = discrete{ [0] = .5, [1] = .3, [2] = .2 },     -- E
  improvement = choose(moat, normal(6, 2), normal(2.5, 2)),  -- E
}

version "v4" {
  after = 3,                          -- E
  slip = discrete{ [0] = .5, [1] = .3, [2] = .2 },     -- E
  improvement = choose(moat, normal(6, 2), normal(2.5, 2)),  -- E: its own draw
}

-- ---- where it ships: surfaces, staged rollout, adoption ----------------------------
family {
  people = 3.48e9,                    -- P: family daily active people (3.58B in Dec 2025, taken at 2025Q2)
  growth = 0.06,                      -- P: yearly growth of the family
}

surface "meta_ai" {
  title = "Meta AI app + web",
  launch = "2026Q2",                  -- A: day one
  addressable = 0.40e9,               -- E: monthly users of the app and meta.ai
  growth = 0.10,                      -- E
  stages = { {0, 1} },                -- A: all at once
  ceiling = beta(3, 5),               -- E: share of reached users active at saturation
  adoption = { p = uniform(0.02, 0.06), q = uniform(0.3, 0.6), f0 = uniform(0.1, 0.3) },  -- E
  interactions = lognormal{ p5 = 20, p95 = 80 },  -- E: per active user per quarter
  reasoning = 0.15,                   -- E: share in reasoning mode
}

surface "glasses" {
  title = "Ray-Ban Meta glasses",
  launch = "2026Q2",                  -- A
  addressable = 0.008e9,              -- E
  growth = 0.50,                      -- E
  stages = { {0, 1} },
  ceiling = beta(6, 4),               -- E
  adoption = { p = uniform(0.05, 0.10), q = uniform(0.3, 0.6), f0 = 0 },  -- E
  interactions = lognormal{ p5 = 30, p95 = 150 },  -- E
  reasoning = 0,                      -- E: fast mode only
}

surface "facebook" {
  title = "Facebook",
  launch = "2026Q2",                  -- A: "over the coming weeks"
  delay = discrete{ [0] = .6, [1] = .3, [2] = .1 },  -- E
  addressable = 3.0e9,                -- P
  growth = 0.03,                      -- E
  stages = { {0, .35},                -- A: English first
             {1, .85},                -- E: the ten largest languages
             {3, 1} },                -- E: everyone
  ceiling = beta(2, 6),               -- E
  adoption = { p = uniform(0.01, 0.04), q = uniform(0.2, 0.5), f0 = uniform(0.2, 0.5) },  -- E
  interactions = lognormal{ p5 = 5, p95 = 30 },   -- E
  reasoning = 0.05,                   -- E
}

surface "instagram" {
  title = "Instagram",
  launch = "2026Q2",                  -- A
  delay = discrete{ [0] = .5, [1] = .35, [2] = .15 },  -- E
  addressable = 2.0e9,                -- P
  growth = 0.05,                      -- E
  stages = { {0, 1} },
  ceiling = beta(2, 5),               -- E
  adoption = { p = uniform(0.01, 0.04), q = uniform(0.2, 0.5), f0 = uniform(0.2, 0.5) },  -- E: as Facebook, own draws
  interactions = lognormal{ p5 = 5, p95 = 30 },   -- E
  reasoning = 0.05,                   -- E
}

surface "whatsapp" {
  title = "WhatsApp",
  launch = "2026Q2",                  -- A
  delay = discrete{ [0] = .5, [1] = .3, [2] = .2 },  -- E
  addressable = 3.0e9,                -- P
  growth = 0.05,                      -- E
  stages = { {0, 1} },
  ceiling = beta(2, 8),               -- E: opt-in
  adoption = { p = uniform(0.01, 0.04), q = uniform(0.2, 0.5), f0 = uniform(0.2, 0.5) },  -- E: as Facebook, own draws
  interactions = lognormal{ p5 = 10, p95 = 60 },  -- E
  reasoning = 0.05,                   -- E
}

-- ---- spend ---------------------------------------------------------------------------
spend "scale_stake" {
  title = "Scale AI stake",
  kind = "lump", class = "investment",
  quarter = "2025Q2",
  amount = 14.3e9,                    -- A: price of the 49% stake
  residual = {
    fraction = 0.49,                  -- A: 49%
    valuation = lognormal{ p5 = 8e9, p95 = 60e9 },  -- E: Scale AI's value in 2030
  },
}

spend "build_out" {
  title = "Build-out to launch",
  kind = "schedule", class = "investment",
  from = "2025Q3", to = "2026Q1",
  amount = lognormal{ p5 = 1.2e9, p95 = 2.4e9 },  -- A: "above $20B" in all with the stake; E: per quarter
}

spend "frontier_compute" {
  title = "Frontier compute",
  kind = "schedule", class = "operating",
  from = "2026Q2", to = "end",
  amount = lognormal{ p5 = 0.6e9, p95 = 1.6e9 },  -- E: per quarter
  growth = uniform(0.05, 0.20),       -- E: a year
}

spend "senior_packages" {
  title = "Senior researcher packages",
  kind = "vesting", class = "operating",
  from = "2025Q3",
  heads = triangular(15, 25, 40),     -- E: continuous, not rounded
  package = uniform(100e6, 200e6),    -- A: $100-200M offers
  quarters = 16,                      -- E: four-year vesting
  attrition = beta(2, 60),            -- E: per quarter, forfeits unvested grants
}

spend "research_team" {
  title = "Research team",
  kind = "schedule", class = "operating",
  from = "2025Q3", to = "end",
  amount = lognormal{ p5 = 0.25e9, p95 = 0.5e9 },  -- E: per quarter
  growth = 0.05,                      -- E
}

spend "inference" {
  title = "Inference",
  kind = "inference", class = "operating",
  from = "2026Q2",
  unit_cost = lognormal{ p5 = 0.0005, p95 = 0.002 },  -- E: dollars per fast-mode interaction
  reasoning_cost = 10,                -- E: reasoning costs 10x
  decline = 0.30,                     -- E: unit cost falls 30% a year
}

-- ---- monetization ---------------------------------------------------------------------
revenue "core_ad_uplift" {
  title = "Core ad uplift",
  kind = "uplift",
  from = "2026Q2",
  base = 46.56e9,                     -- P: Q2 2025 ad revenue
  growth = uniform(0.10, 0.20),       -- P, E
  lift = triangular(0, 0.03, 0.08),   -- E: lift if every person were an active AI user
}

revenue "ai_conversation_ads" {
  title = "Ads in AI conversations",
  kind = "per_interaction",
  from = "2026Q4",
  surfaces = "all",
  rate = uniform(0.005, 0.02),        -- E: dollars per interaction at feed parity
  ratio = beta(2, 5),                 -- A: "do AI interactions monetize like the Feed?"; E
}

revenue "subscriptions" {
  title = "Subscriptions",
  kind = "subscription",
  from = "2026Q3",
  surfaces = { "meta_ai" },
  price = 60,                         -- E: dollars a quarter
  conversion = uniform(0.002, 0.01),  -- E
}

revenue "business_agents" {
  title = "Business agents and API",
  kind = "market_share",
  from = "2026Q4",
  market = 10e9,                      -- A: WhatsApp Business API later; E: a quarter
  growth = 0.35,                      -- E: a year
  share = uniform(0.005, 0.03),       -- E
  cap = 1.5,                          -- E
}

-- ---- milestones -----------------------------------------------------------------------
milestone "prob_unique_reach_3e9_2026Q2" {
  series = "unique_reach", quarter = "2026Q2", at_least = 3e9,
}

-- ---- questions asked of the model (goal seeks) -----------------------------------------
-- The lift u (core_ad_uplift.lift, held fixed at the value tried instead of its
-- triangular spread) at which NPV is positive in half the trials. Brent's method on
-- common random numbers; 10,000 trials per evaluation keeps it affordable at -n 10^6.
goal "lift for even odds" {
  input = "core_ad_uplift.lift", mode = "value",
  output = "npv", stat = "prob_positive", target = 0.5,
  low = 0, high = 0.2,
  trials = 10000,
}

-- ---- analysis: conditional views (MODEL.md) ------------------------------------------
-- Statistics of every output over the trials where the condition holds, with the share
-- of trials that satisfy it (docs/analysis.md). A condition is text ("v2.score >= 60")
-- or an uncertain condition as here, which what-ifs that fix the input (moat = 1) still
-- understand.
view "v2_scores_60_plus" { where = v2.score:at_least(60) }   -- "60+ or 54": the good branch
view "v2_scores_54_or_less" { where = v2.score:at_most(54) } -- ... and the bad one
view "moat_is_real" { where = moat }                          -- the data moat question

-- ---- the decision at the v2 gate (docs/decisions.md) ----------------------------------
-- Once v2 ships: keep funding the frontier race (this scenario), or stop and harvest the
-- distribution (stop_after_v2.lua)? The signals are what would be known by then, or
-- could be learned first; the report prices knowing each one before choosing.
decision "fund the race after v2" {
  options = { "base", "stop_after_v2" },
  output = "npv",
  signals = { "v2.score", "v2.slip", "moat", "core_ad_uplift.lift" },
}
