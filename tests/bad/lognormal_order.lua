-- expect: lognormal_order.lua:4: meta_ai.interactions: p95 must be > p5, got p5 = 80, p95 = 20
-- exit: 1
scenario { title = "bad", extends = "base" }
meta_ai.interactions = lognormal{ p5 = 80, p95 = 20 }
