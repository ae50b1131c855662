-- What if distribution converts: AI lifts the ad business, AI conversations
-- monetize closer to the Feed, and more users subscribe?
scenario { title = "Distribution converts", extends = "base" }

core_ad_uplift.lift = triangular(0.02, 0.05, 0.08)
ai_conversation_ads.ratio = beta(4, 4)
subscriptions.conversion = uniform(0.005, 0.015)
