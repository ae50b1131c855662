-- What if fuel gets cheap: each improved route saves half as much as the parent
-- assumes (the parent's draw, halved: same draws, so the comparison is trial by
-- trial). The view on the share of improved routes still applies.
scenario {
  title = "Cheap fuel: half the saving per route",
  extends = "fleet_routing",
}

fuel_and_overtime.rate = fuel_and_overtime.rate * 0.5
