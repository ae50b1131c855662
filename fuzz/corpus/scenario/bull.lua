-- The bull case: v2 scores 60+, distribution converts, and the data moat is real.
scenario { title = "Bull case", extends = { "v2_60plus", "distribution_converts", "data_moat" } }
