-- The base case where about one trial in 10^4 overflows: at seed 10 with 12288 trials
-- the first to fail is trial 11848, in the last rank's blocks.
scenario { title = "rare overflow", extends = "base" }
big = bernoulli(0.0001)
family.people = choose(big, 1e300, 3.48e9)
meta_ai.addressable = choose(big, 1e300, 0.4e9)
