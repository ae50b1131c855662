-- The bear case: v2 slips, no data moat, and AI barely lifts the ad business.
scenario { title = "Bear case", extends = { "v2_slips", "no_moat" } }

core_ad_uplift.lift = triangular(0, 0.01, 0.03)
