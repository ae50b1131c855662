"""End-to-end: the base case's goal seek in the terminal and JSON, --sampling lhs,
--precision with --max-trials, a sweep and correlations declared in a what-if, and
the message for a correlation matrix that is not positive definite.

Arguments: roisim-binary source-dir work-dir."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("search")
roisim, src, work, check = h.roisim, h.src, h.work, h.check


def run(*args, ok=True):
    return h.roisim_cmd("run", *args, code=0 if ok else 2)


base = os.path.join(src, "scenarios", "base.lua")
out = os.path.join(work, "base.json")
p = run(base, "-n", "2000", "--threads", "2", "--json", out)
check("Goal seeks" in p.stdout and "lift for even odds" in p.stdout
      and "the value of core_ad_uplift.lift at which prob_positive of npv is 0.5"
      in " ".join(p.stdout.split()),
      "terminal shows the goal seek")
doc = json.load(open(out))
sc = doc["scenarios"][0]
g = sc["goals"][0]
check(g["name"] == "lift for even odds" and g["status"] == "found", "base goal found")
check(0.0 < g["value"] < 0.2, "lift root inside [0, 0.2]: %s" % g["value"])
check(abs(g["stat_at_value"] - 0.5) <= 4 * g["stat_se"] + 1e-4, "P(npv>0) at the root is 0.5")
check(g["value_se"] > 0 and g["value_se"] < 0.01, "root has a small positive MC uncertainty")
check(g["stat_at_low"] < 0.5 < g["stat_at_high"], "target bracketed by the ends")
check(sc["sampling"] == "mc" and sc["correlations"] == [] and sc["sweeps"] == [], "defaults")
check("convergence" not in sc, "no convergence block without --precision")

# The same goal with 1 thread: identical JSON.
out1 = os.path.join(work, "base1.json")
run(base, "-n", "2000", "--threads", "1", "--quiet", "--json", out1)
check(open(out, "rb").read() == open(out1, "rb").read(), "goal seek independent of threads")

# Latin hypercube.
lhs = os.path.join(work, "lhs.json")
run(base, "-n", "2048", "--sampling", "lhs", "--quiet", "--json", lhs)
d = json.load(open(lhs))["scenarios"][0]
check(d["sampling"] == "lhs", "sampling recorded as lhs")
check(d["goals"][0]["status"] == "found", "goal found under lhs")

# Precision with a cap.
prec = os.path.join(work, "prec.json")
run(base, "-n", "1024", "--precision", "0.5", "--max-trials", "50000", "--quiet", "--json", prec)
c = json.load(open(prec))["scenarios"][0]["convergence"]
check(c["reached"] and c["relative_se"] <= 0.5, "precision 0.5 reached")
check(c["trials"] % 1024 == 0, "precision stops at a whole block")
prec2 = os.path.join(work, "prec2.json")
run(base, "-n", "1024", "--precision", "0.0001", "--max-trials", "3000", "--quiet", "--json", prec2)
c2 = json.load(open(prec2))["scenarios"][0]["convergence"]
check(not c2["reached"] and c2["trials"] == 3000, "precision capped by --max-trials")
run(base, "--precision", "2", ok=False)

# A what-if with a sweep and correlations.
whatif = os.path.join(work, "whatif.lua")
with open(whatif, "w") as f:
    f.write('scenario { title = "sweep", extends = "base" }\n')
    f.write('sweep "score" { inputs = { "v2.score" }, values = { 54, 58, 62 }, stat = "median" }\n')
    f.write('correlate { { "v2.score", "frontier.slope", -0.4 } }\n')
wj = os.path.join(work, "whatif.json")
p = run(whatif, "-n", "1024", "--json", wj)
w = json.load(open(wj))["scenarios"][0]
check(len(w["sweeps"]) == 1 and len(w["sweeps"][0]["table"]) == 3, "sweep table has 3 rows")
t = [row[0] for row in w["sweeps"][0]["table"]]
check(t[0] < t[1] < t[2], "median npv rises with the v2 score: %s" % t)
check(w["correlations"][0]["rank"] == -0.4, "correlation recorded")
check("Sweep score" in p.stdout, "terminal shows the sweep")

bad = os.path.join(work, "bad.lua")
with open(bad, "w") as f:
    f.write('scenario { title = "bad", extends = "base" }\n')
    f.write('correlate { {"v2.score", "frontier.slope", 0.9}, {"v2.score", "quality.beta", 0.9},\n'
            '            {"frontier.slope", "quality.beta", -0.9} }\n')
p = subprocess.run([roisim, "check", bad], cwd=src, capture_output=True, text=True)
check(p.returncode == 1 and "not positive definite" in p.stderr and "v2.score" in p.stderr,
      "non-PD matrix is an error naming the inputs: " + p.stderr.strip())
typo = os.path.join(work, "typo.lua")
with open(typo, "w") as f:
    f.write('scenario { title = "typo", extends = "base" }\n')
    f.write('correlate { {"v2.scor", "frontier.slope", 0.3} }\n')
p = subprocess.run([roisim, "check", typo], cwd=src, capture_output=True, text=True)
check(p.returncode == 1 and "did you mean 'v2.score'" in p.stderr, "typo suggests: " + p.stderr.strip())

h.finish()
