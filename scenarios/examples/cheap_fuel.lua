-- What if fuel gets cheap: each improved route saves half as much. The view on the
-- share of improved routes still applies; nothing else changes.
scenario {
  title = "Cheap fuel: half the saving per route",
  extends = "fleet_routing",
}

fuel_and_overtime.rate = lognormal{ p5 = 3, p95 = 12 }
