"""End-to-end: the analysis of the bundled scenarios.

Checks the JSON's analysis section (keys, determinism across thread counts), the base
case's top driver of npv, the direction of each of MODEL.md's views, the paired
comparison of each what-if with base, --given and --stress from the command line, the
terminal sections, and usage errors.

Arguments: roisim-binary source-dir work-dir."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("analysis")
roisim, src, work, check = h.roisim, h.src, h.work, h.check


def run(*args, code=0):
    return h.roisim_cmd("run", *args, code=code)


TRIALS = "10000"
a = os.path.join(work, "a.json")
b = os.path.join(work, "b.json")
base_only = os.path.join(src, "scenarios", "base.lua")
p1 = run("-n", TRIALS, "--threads", "2", "--json", a)
run("-n", TRIALS, "--threads", "1", "--quiet", "--json", b)
check(open(a, "rb").read() == open(b, "rb").read(), "analysis JSON identical for 1 and 2 threads")

doc = json.loads(open(a).read())
by = {s["name"]: s for s in doc["scenarios"]}
for s in doc["scenarios"]:
    an = s.get("analysis")
    check(an is not None, "%s has an analysis" % s["name"])
    if an is None:
        continue
    for key in ("uncertainty", "sensitivity", "tornado", "tails", "views", "stress"):
        check(key in an, "%s analysis has %s" % (s["name"], key))
    u = an["uncertainty"]["npv"]
    check(set(u) >= {"mean_se", "pct_ci", "pct_se", "prob_positive_se", "cvar5_se"}, "uncertainty keys")
    for k in ("p10", "p50", "p90"):
        lo, hi = u["pct_ci"][k]
        check(lo <= s["outputs"]["npv"][k] <= hi, "%s npv %s inside its CI" % (s["name"], k))
    check("npv" in an["sensitivity"], "%s sensitivity of npv" % s["name"])
    check(len(an["views"]) == 3, "%s inherits base's three views" % s["name"])
    if s["name"] != "base":
        pr = an.get("paired")
        check(pr is not None and pr["versus"] == "base", "%s is compared with base" % s["name"])
check("paired" not in by["base"]["analysis"], "base is not compared with itself")

# The base case's top driver of npv (MODEL.md: the ad-uplift lift dominates; spend on
# frontier compute is second), and its sign.
sens = by["base"]["analysis"]["sensitivity"]["npv"]
check(sens[0]["input"] == "core_ad_uplift.lift", "top driver of base npv: %s" % sens[0]["input"])
check(sens[0]["rank_correlation"] > 0 and sens[0]["decile_swing"] > 0, "more lift, more npv")
cs = [abs(r["contribution_to_variance"]) for r in sens]
check(abs(sum(cs) - 1) < 1e-9 and cs == sorted(cs, reverse=True), "contributions sum to 1, sorted")
bars = by["base"]["analysis"]["tornado"]["bars"]
check([r["range"] for r in bars] == sorted((r["range"] for r in bars), reverse=True), "tornado sorted")
check(bars[0]["input"] in {r["input"] for r in sens[:5]}, "tornado's top bar is a top-5 driver")

# MODEL.md's views: v2 scoring 60+ helps, 54 or less hurts, a real moat helps;
# each differs from the overall mean by more than 3 standard errors.
views = {v["name"]: v for v in by["base"]["analysis"]["views"]}
mean = by["base"]["outputs"]["npv"]["mean"]
for name, sign in (("v2_scores_60_plus", 1), ("v2_scores_54_or_less", -1), ("moat_is_real", 1)):
    v = views[name]["outputs"]["npv"]
    check(sign * (v["mean"] - mean) > 3 * v["se"],
          "view %s moves mean npv %s: %.2fB vs %.2fB" % (name, "up" if sign > 0 else "down",
                                                        v["mean"] / 1e9, mean / 1e9))
s60 = views["v2_scores_60_plus"]
check(abs(s60["share"] - 0.2839) < 4 * s60["share_se"], "P(v2.score >= 60) = 1 - Phi(2/3.5)")

# Paired comparisons: each what-if moves npv the way its name promises, by more than
# 4 standard errors of the paired difference.
for name, sign in (("v2_60plus", 1), ("v2_slips", -1), ("distribution_converts", 1),
                   ("data_moat", 1), ("no_moat", -1), ("rollout_slips", -1), ("bull", 1),
                   ("bear", -1)):
    pr = by[name]["analysis"]["paired"]
    check(sign * pr["mean"] > 4 * pr["se"], "%s vs base: mean difference %.2fB (se %.2fB)"
          % (name, pr["mean"] / 1e9, pr["se"] / 1e9))
check(by["rollout_slips"]["analysis"]["paired"]["prob_beats"] < 0.01,
      "a rollout slip almost never beats base trial by trial")

# Terminal sections.
out = p1.stdout
for text in ("What drives npv (base)", "Trial by trial vs base", "Views of base"):
    check(text in out, "terminal shows '%s'" % text)
check(max(len(line) for line in out.splitlines()) <= 80, "terminal within 80 columns")

# --given and --stress from the command line; a what-if fixing the stressed input skips it.
g = os.path.join(work, "g.json")
run("-n", "5000", "--quiet", "--given", "v2 score >= 60 and not moat", "--stress",
    "v2.score=0:10%", "--json", g, base_only)
gd = json.loads(open(g).read())["scenarios"][0]["analysis"]
check(gd["views"][-1]["where"] == "v2 score >= 60 and not moat", "--given adds a view")
check(abs(gd["views"][-1]["share"] - 0.2839 * 0.5) < 0.03, "--given share about 0.14")
st = gd["stress"][0]
check(st["input"] == "v2.score" and st["input_low"] is None and abs(st["input_high"] - 53.51) < 0.01,
      "stress band of v2.score: up to its p10 = 58 - 1.2816 * 3.5")
check(st["npv_change_mean"] < -4 * st["npv_change_se"], "a low v2 score lowers npv")

# Usage errors.
r = run("-n", "100", "--quiet", "--given", "v2.scor >= 60", base_only, code=2)
check("did you mean 'v2.score'" in r.stderr, "unknown name in --given suggests the right one")
r = run("-n", "100", "--quiet", "--stress", "v2.score=0.5:0.2", base_only, code=2)
r = run("-n", "100", "--quiet", "--stress", "nothing=0:0.1", base_only, code=2)
check("no scenario has an input named 'nothing'" in r.stderr, "--stress unknown input")
r = run("-n", "100", "--quiet", "--compare", "nope", base_only, code=2)

h.finish()
