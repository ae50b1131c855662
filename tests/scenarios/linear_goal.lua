-- A scenario whose npv is linear in two inputs, for goal seek and sweep tests:
-- one surface fully active from the first quarter (500 active users, 10
-- interactions each a quarter), no discounting, no terminal value, so
-- npv = 4 quarters * 5000 interactions * ads.rate - 4 * team.amount
--     = 20000 * rate - 4 * amount.
scenario { title = "Linear npv" }
horizon { from = "2026Q1", to = "2026Q4", discount = 0, terminal = false }
frontier { score = 60, slope = 0 }
quality { beta = 0, gap_ref = 10 }
family { people = 1000, growth = 0 }
version "v1" { planned = "2026Q1", score = 50 }
surface "app" { launch = "2026Q1", addressable = 1000, ceiling = 0.5,
                adoption = { p = 1e6, q = 0, f0 = 0 }, interactions = 10 }
spend "team" { kind = "schedule", from = "2026Q1", to = "end", amount = 100 }
revenue "ads" { kind = "per_interaction", from = "2026Q1", rate = uniform(0.05, 0.15) }

-- mean npv = 0 at amount = 5000 * mean(rate) (500 in the population)
goal "break even" { input = "team.amount", stat = "mean", target = 0, low = 1, high = 1000 }
-- P(npv > 0) = 0.5 at amount = 5000 * median(rate) (500 in the population)
goal "even odds" { input = "team.amount", stat = "prob_positive", target = 0.5, low = 1, high = 1000 }
-- never reached: npv > 0 in every trial when amount <= 100 (rate >= 0.05)
goal "out of range" { input = "team.amount", stat = "prob_positive", target = 0.5, low = 1, high = 100 }
-- shift the rate: mean npv = 0 when mean(rate) + x = 0.02
goal "rate shift" { input = "ads.rate", mode = "shift", stat = "mean", target = 0, low = -0.1, high = 0 }
sweep "by amount" { inputs = { "team.amount" }, values = { 1, 250, 500 }, stat = "mean" }
sweep "amount x rate" { inputs = { "team.amount", "ads.rate" },
                        values = { { 1, 500 }, { 0.05, 0.1, 0.2 } }, stat = "mean" }
