-- expect: spend_kind.lua:4: bonus.kind must be one of lump, schedule, vesting, inference, got 'lumpsum'
-- exit: 1
scenario { title = "bad", extends = "base" }
spend "bonus" { kind = "lumpsum", quarter = "2026Q1", amount = 1e9 }
