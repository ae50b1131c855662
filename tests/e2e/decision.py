"""End-to-end: decisions and the value of information (docs/decisions.md).

Checks the JSON contract of the top-level `decisions` array (docs/json.md) on the
bundled gate (base against stop_after_v2), that EVPI and a discrete signal's EVPPI
equal what the --trials-csv of the same run gives (to float precision: the decision
reads the run's stored floats, the CSV the exact doubles), that the numbers do not
depend on the thread count, the terminal's Decisions section, a decision whose option
was not run, and a bad declaration's file:line message.

Arguments: roisim-binary source-dir work-dir."""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("decision")
roisim, src, work, check = h.roisim, h.src, h.work, h.check


def run(*args, code=0):
    return h.roisim_cmd(*args, code=code)


BASE = os.path.join("scenarios", "base.lua")
STOP = os.path.join("scenarios", "stop_after_v2.lua")
TRIALS = "4000"
j1, j2 = os.path.join(work, "t1.json"), os.path.join(work, "t2.json")
trials_csv = os.path.join(work, "trials.csv")
p = run("run", "-n", TRIALS, "--threads", "2", "--no-analysis", "--json", j1,
        "--trials-csv", trials_csv, BASE, STOP)
run("run", "-n", TRIALS, "--threads", "1", "--no-analysis", "--quiet", "--json", j2, BASE, STOP)
text = open(j1).read()
check("NaN" not in text and "Infinity" not in text, "no NaN or Infinity in the JSON")
doc = json.loads(text)
check(json.load(open(j2))["decisions"] == doc["decisions"], "decisions identical for 1 and 2 threads")

# ---- the contract ------------------------------------------------------------------
decs = doc.get("decisions")
check(isinstance(decs, list) and len(decs) == 1, "one decision in the bundled gate")
d = decs[0]
for key in ("name", "output", "options", "best_option", "evpi", "evpi_se", "signals", "v0",
            "perfect", "trials", "scenario", "title"):
    check(key in d, "decision has '%s'" % key)
check(d["name"] == "fund the race after v2" and d["output"] == "npv", "name and output")
check(d["scenario"] == "base" and d["trials"] == int(TRIALS), "declared in base, every trial")
check([o["scenario"] for o in d["options"]] == ["base", "stop_after_v2"], "options in order")
for o in d["options"]:
    check(set(o) >= {"scenario", "mean", "se", "prob_best"}, "option fields")
    check(o["se"] > 0, "option SE positive")
means = {o["scenario"]: o["mean"] for o in d["options"]}
best = max(means, key=means.get)
check(d["best_option"] == best and abs(d["v0"] - means[best]) <= 1e-6 * abs(means[best]),
      "best option and V0 are the highest mean")
check(abs(d["perfect"] - d["v0"] - d["evpi"]) <= 1e-6 * abs(d["v0"]), "perfect = V0 + EVPI")
check(d["evpi"] >= 0 and d["evpi_se"] >= 0, "EVPI and its SE are not negative")
check(abs(sum(o["prob_best"] for o in d["options"]) - 1) < 1e-12, "prob_best sums to 1")
names = [s["input"] for s in d["signals"]]
check(sorted(names) == sorted(["v2.score", "v2.slip", "moat", "core_ad_uplift.lift"]),
      "the four declared signals: %s" % names)
check([s["rank"] for s in d["signals"]] == list(range(1, len(names) + 1)), "signals in rank order")
check(all(d["signals"][i]["evppi"] >= d["signals"][i + 1]["evppi"] for i in range(len(names) - 1)),
      "ranked by EVPPI")
for s in d["signals"]:
    r = s["rule"]
    for key in ("threshold", "above", "below", "value", "value_se", "option_value",
                "option_value_se", "cross_value", "cross_value_se", "optimism", "curve"):
        check(key in r, "%s: rule has '%s'" % (s["input"], key))
    check(s["evppi"] <= d["evpi"] + 4 * (s["evppi_se"] or 0) + 4 * d["evpi_se"],
          "%s: EVPPI does not exceed EVPI" % s["input"])
    check(r["above"] in means and r["below"] in means, "%s: rule names options" % s["input"])
    check((r["threshold"] is None) == (r["above"] == r["below"]),
          "%s: a threshold exactly when the rule switches" % s["input"])
    c = r["curve"]
    check(len(c["t"]) == len(c["v"]) >= 2 and c["t"] == sorted(c["t"]), "%s: curve" % s["input"])
    check(abs(r["optimism"] - (r["option_value"] - r["cross_value"])) <= 1e-6 * abs(d["v0"]),
          "%s: optimism = in-sample - cross-fitted" % s["input"])
moat = next(s for s in d["signals"] if s["input"] == "moat")
check(moat["blocks"] == 2, "moat (bernoulli) gets one block per value")

# ---- the same numbers from the trials CSV ----------------------------------------------
rows = list(csv.DictReader(open(trials_csv)))
by = {}
for row in rows:
    by.setdefault(row["scenario"], {})[int(row["trial"])] = row
n = int(TRIALS)
check(len(by.get("base", {})) == n and len(by.get("stop_after_v2", {})) == n, "CSV has every trial")
ya = [float(by["base"][i]["npv"]) for i in range(n)]
yb = [float(by["stop_after_v2"][i]["npv"]) for i in range(n)]
ma, mb = sum(ya) / n, sum(yb) / n
v0 = max(ma, mb)
evpi = sum(max(a, b) for a, b in zip(ya, yb)) / n - v0
tol = 1e-6 * max(abs(ma), abs(mb))   # the decision reads floats: ~7 significant digits
check(abs(d["evpi"] - evpi) <= tol, "EVPI %.6g equals the CSV's %.6g" % (d["evpi"], evpi))
# moat's EVPPI: the best option per value of moat, less V0
x = [float(by["base"][i]["moat"]) for i in range(n)]
evppi = -v0
for value in sorted(set(x)):
    idx = [i for i in range(n) if x[i] == value]
    evppi += max(sum(ya[i] for i in idx), sum(yb[i] for i in idx)) / n
check(abs(moat["evppi"] - evppi) <= tol, "EVPPI(moat) %.6g equals the CSV's %.6g" % (moat["evppi"], evppi))

# ---- the terminal --------------------------------------------------------------------------
out = p.stdout
check("Decision \"fund the race after v2\"" in out, "terminal has the Decisions section")
check("Answer: choose %s" % best in out, "terminal answers in words")
check("EVPI" in out and "Signals, most worth learning first" in out, "terminal shows EVPI and the ranking")
check(max(len(line) for line in out.splitlines()) <= 80, "terminal within 80 columns")

# ---- an option not run ------------------------------------------------------------------------
alone = os.path.join(work, "alone.json")
p = run("run", "-n", "500", "--no-analysis", "--json", alone, BASE)
check(json.load(open(alone))["decisions"] == [], "no decision when an option was not run")
check("not evaluated\n  (its option 'stop_after_v2' was not run)" in p.stdout, "terminal says why")

# ---- a bad declaration ----------------------------------------------------------------------
bad = os.path.join(work, "bad_decision.lua")
with open(bad, "w") as fp:
    fp.write('scenario { title = "bad", extends = "base" }\n'
             'decision "gate" { options = { "bad_decision" }, signals = { "moat" } }\n')
p = run("check", "--quiet", bad, code=1)
check("bad_decision.lua:2: decision \"gate\": options must be a list of scenario names (two or more)"
      in p.stderr, "a one-option decision names file:line: %s" % p.stderr.strip())

h.finish()
