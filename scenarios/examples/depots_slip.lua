-- What if the depots are slow: the pilot slips three quarters and each later stage
-- waits twice as long.
scenario {
  title = "Depot rollout slips",
  extends = "fleet_routing",
}

drivers.delay = 3
drivers.stages = { {0, .25}, {4, .60}, {8, 1} }
