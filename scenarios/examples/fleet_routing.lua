-- An example that is not an AI lab: a regional parcel carrier with 4,000 drivers
-- buys an AI route planner. Drivers adopt it depot by depot; every route it plans
-- better than the dispatcher saves fuel and overtime (savings, not revenue); the
-- tighter routes let it sell a same-day service (contracted revenue on a schedule).
-- No versions, frontier, quality or family: a case declares only what it uses
-- (docs/own-case.md walks through it). Every number is an assumption to argue with.
-- Money is nominal US dollars; quarters are written "2026Q1".

scenario {
  title = "Fleet routing: an AI route planner for 4,000 drivers",
  description = "Platform, integration, a team and compute against fuel and overtime saved",
}

horizon {
  from = "2026Q1",
  to = "2030Q4",
  discount = 0.08,                    -- the carrier's cost of capital
  terminal_growth = uniform(0, 0.02), -- after 2030, floored at 0 (abandonment)
  currency = "USD",
}

-- ---- what it costs ---------------------------------------------------------------
spend "platform" {
  title = "Planner licence and set-up",
  kind = "lump", quarter = "2026Q1",  -- an investment (a lump's default class)
  amount = triangular(6e6, 8e6, 12e6),
}

spend "integration" {
  title = "Integration with dispatch and telematics",
  kind = "schedule", class = "investment", from = "2026Q1", to = "2026Q4",
  amount = lognormal{ p5 = 0.8e6, p95 = 1.6e6 },  -- a quarter
}

spend "team" {
  title = "Routing team",
  kind = "schedule", from = "2026Q1", to = "end",
  amount = 1.2e6, growth = 0.04,      -- a quarter; wages grow 4% a year
}

spend "compute" {
  title = "Route-planning compute",
  kind = "inference", from = "2026Q3",
  unit_cost = lognormal{ p5 = 0.02, p95 = 0.06 },  -- dollars per route planned
  decline = 0.20,                     -- cheaper by a fifth each year
}

-- ---- who uses it: the drivers, depot by depot ---------------------------------------
surface "drivers" {
  title = "Drivers' app",
  launch = "2026Q3",
  delay = discrete{ [0] = .7, [1] = .3 },  -- the pilot depot may slip a quarter
  addressable = 4000,                 -- drivers
  growth = 0.03,                      -- the fleet grows 3% a year
  stages = { {0, .25}, {2, .60}, {4, 1} }, -- pilot depots, then the north, then all
  ceiling = beta(8, 2),               -- share of drivers who follow the plans at saturation
  adoption = { p = uniform(0.05, 0.15), q = uniform(0.3, 0.6), f0 = 0 },
  interactions = 63,                  -- routes per driver per quarter
}

-- ---- what it brings ------------------------------------------------------------------
revenue "fuel_and_overtime" {
  title = "Fuel and overtime saved",
  kind = "per_interaction", class = "savings", from = "2026Q3",
  rate = lognormal{ p5 = 6, p95 = 24 },   -- dollars saved on a route the planner improves
  ratio = beta(4, 4),                 -- share of planned routes it improves
}

revenue "same_day" {
  title = "Same-day delivery service",
  kind = "schedule", from = "2027Q1", to = "end",
  amount = uniform(0.3e6, 0.9e6),     -- a quarter at launch
  growth = 0.10,
}

-- ---- questions -----------------------------------------------------------------------
view "good_routes" {
  title = "Given the planner improves most routes",
  where = "fuel_and_overtime.ratio >= 0.6",
}
