-- A scenario input read from a SIPmath 3.0 library beside it (tests): the standard's
-- known-answer SIP, whose first three trials are pinned.
scenario { title = "A SIP from a library" }
horizon { from = "2026Q1", to = "2026Q4", discount = 0, terminal = false }
frontier { score = 60, slope = 0 }
quality { beta = 0, gap_ref = 10 }
family { people = 1000, growth = 0 }
version "v1" { planned = "2026Q1", score = 50 }
surface "app" { launch = "2026Q1", addressable = 1000, ceiling = 0.5,
                adoption = { p = 1e6, q = 0, f0 = 0 }, interactions = 10 }
demand = sipmath{ library = "known.sipmath.json", sip = "demand" }:named("demand")
spend "team" { kind = "schedule", from = "2026Q1", to = "end", amount = max(demand, 0) }
revenue "ads" { kind = "per_interaction", from = "2026Q1", rate = 0.1 }
