"""End-to-end: run every bundled scenario and check the JSON contract, determinism
across runs and thread counts, common random numbers, MODEL.md's sanity range for
the base case, and that each what-if moves npv the way its name promises.

Arguments: roisim-binary source-dir work-dir."""
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("bundled")
roisim, src, work, check = h.roisim, h.src, h.work, h.check


def run(*args):
    return h.roisim_cmd("run", *args)


TRIALS = "20000"
a = os.path.join(work, "a.json")
b = os.path.join(work, "b.json")
c = os.path.join(work, "c.json")
run("-n", TRIALS, "--threads", "2", "--quiet", "--json", a)
run("-n", TRIALS, "--threads", "2", "--quiet", "--json", b)
run("-n", TRIALS, "--threads", "1", "--quiet", "--json", c)
raw_a, raw_b, raw_c = (open(f, "rb").read() for f in (a, b, c))
check(raw_a == raw_b, "two identical runs give identical JSON bytes")
check(raw_a == raw_c, "1 and 2 threads give identical JSON bytes")
check(not any(tok in raw_a for tok in (b"NaN", b"Infinity", b"nan,", b"inf,")), "no NaN/Inf in the JSON")

doc = json.loads(raw_a)
for key in ("version", "seed", "trials", "scenarios"):
    check(key in doc, "top-level key %s" % key)
check(doc["trials"] == int(TRIALS), "trials recorded")
names = [s["name"] for s in doc["scenarios"]]
check(names == ["base", "v2_60plus", "v2_slips", "distribution_converts", "data_moat",
                "no_moat", "rollout_slips", "bull", "bear", "stop_after_v2"], "bundled scenarios in order: %s" % names)
STATS = "mean sd se min max p1 p5 p10 p25 p50 p75 p90 p95 p99 prob_positive cvar5".split()
OUTPUTS = "npv npv_horizon roi_multiple irr payback total_spend total_revenue peak_active".split()
for s in doc["scenarios"]:
    for key in ("name", "title", "file", "outputs", "inputs", "series", "milestones"):
        check(key in s, "%s has %s" % (s["name"], key))
    for o in OUTPUTS:
        for st in STATS:
            check(st in s["outputs"][o], "%s.%s.%s present" % (s["name"], o, st))
    check("undefined_share" in s["outputs"]["irr"], "irr undefined_share")
    check("never_share" in s["outputs"]["payback"], "payback never_share")
    for inp in s["inputs"]:
        check(set(inp) >= {"name", "distribution", "mean", "p5", "p95"}, "input fields")
    for name, rows in s["series"].items():
        check(len(rows) == 23, "series %s has 23 quarters" % name)
        check(set(rows[0]) == {"quarter", "mean", "p10", "p50", "p90"}, "series row fields")
    check("prob_unique_reach_3e9_2026Q2" in s["milestones"], "milestone present")

by = {s["name"]: s for s in doc["scenarios"]}
base = by["base"]["outputs"]

# MODEL.md section 8 sanity range (not a tight target): median npv a loss of roughly
# $15-25B, P(npv > 0) roughly 0.2-0.35, median spend $55-60B.
check(-25e9 <= base["npv"]["p50"] <= -15e9, "base median npv in [-25, -15] $B: %g" % base["npv"]["p50"])
check(0.20 <= base["npv"]["prob_positive"] <= 0.35, "base P(npv>0) in [0.2, 0.35]")
check(55e9 <= base["total_spend"]["p50"] <= 60e9, "base median spend in [55, 60] $B")

# Common random numbers: inputs the what-if did not change have identical samples.
inputs = lambda n: {i["name"]: i for i in by[n]["inputs"]}
for n in ("v2_60plus", "distribution_converts", "rollout_slips"):
    for k, v in inputs(n).items():
        if k in inputs("base") and v["distribution"] == inputs("base")[k]["distribution"]:
            check(v == inputs("base")[k], "%s shares the draws of %s with base" % (n, k))


# Directions the names promise: mean npv differs by more than 3 standard errors of
# the difference, computed as if the two samples were independent (conservative:
# common random numbers make the paired difference far less noisy).
def better(x, y, what):
    ox, oy = by[x]["outputs"]["npv"], by[y]["outputs"]["npv"]
    se = math.hypot(ox["se"], oy["se"])
    check(ox["mean"] - oy["mean"] > 3 * se,
          "%s: mean npv %s %.2fB > %s %.2fB (3 SE = %.2fB)"
          % (what, x, ox["mean"] / 1e9, y, oy["mean"] / 1e9, 3 * se / 1e9))


better("v2_60plus", "base", "v2 scoring 60+ helps")
better("base", "v2_slips", "v2 slipping hurts")
better("distribution_converts", "base", "distribution converting helps")
better("data_moat", "no_moat", "a data moat helps")
better("base", "rollout_slips", "a rollout slip hurts")
better("bull", "base", "bull beats base")
better("base", "bear", "bear is worse than base")

h.finish()
