-- expect: scenario overflow: trial 0 (seed 20260408) gave npv = inf; rerun with --seed 20260408 to reproduce
-- exit: 1
-- args: run -n 2000 --quiet
scenario { title = "overflow", extends = "base" }
family.people = 1e300
meta_ai.addressable = 1e300
