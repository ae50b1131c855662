"""End-to-end: `roisim fit` on a CSV file. A known lognormal sample is fitted and
ranked first, its parameters within 4 SE of the truth; the JSON reads back and
names every family fitted; the same seed gives the same JSON whatever the thread
count; bad data names the file and the row (exit 1); a bad command line exits 2.

Arguments: roisim-binary source-dir work-dir."""
import json
import math
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("fit")
roisim, src, work, check = h.roisim, h.src, h.work, h.check


def fit(*args, code=0):
    p = subprocess.run([roisim, "fit", *args], cwd=work, capture_output=True, text=True)
    check(p.returncode == code, "roisim fit %s exits %d (got %d: %s)"
          % (" ".join(args), code, p.returncode, p.stderr.strip()))
    return p


# A lognormal sample that is not the Meta case's shape: a few thousand dollars of
# cloud spend per team, mu = 8, sigma = 0.6, a fixed seed.
MU, SIGMA, N = 8.0, 0.6, 2000
rng = random.Random(20260408)
data = os.path.join(work, "spend.csv")
with open(data, "w") as f:
    f.write("team,monthly_spend\n")
    for i in range(N):
        f.write("t%d,%.6f\n" % (i, math.exp(rng.gauss(MU, SIGMA))))

out = os.path.join(work, "spend.json")
p = fit(data, "--column", "monthly_spend", "--bootstrap", "20", "--json", out)
check("lognormal" in p.stdout and "monthly_spend = lognormal{" in p.stdout,
      "the table and the scenario text name the lognormal")
doc = json.load(open(out))
check(doc["n"] == N and doc["column"] == "monthly_spend", "JSON: n and column")
check(doc["best"] == "lognormal", "JSON: lognormal is ranked first (best %s)" % doc.get("best"))
fams = [x["family"] for x in doc["fits"]]
for want in ("normal", "lognormal", "gamma", "weibull", "metalog"):
    check(want in fams, "JSON: %s was fitted" % want)
ln = next(x for x in doc["fits"] if x["family"] == "lognormal")
for name, truth in (("mu", MU), ("sigma", SIGMA)):
    est, se = ln["params"][name], ln["se"][name]
    check(abs(est - truth) <= 4 * se, "%s = %g within 4 SE (%g) of %g" % (name, est, se, truth))
aics = [x["aic"] for x in doc["fits"]]
check(aics == sorted(aics), "JSON: fits ranked by AIC")

# The scenario text of every fitted family loads as a scenario input (a spend, which
# must be >= 0: the normal, which can be negative, and the metalog, not in the
# language yet, are left out).
base = open(os.path.join(src, "tests", "scenarios", "constant.lua")).read()
for x in doc["fits"]:
    if x["family"] in ("metalog", "normal"):
        continue
    scen = os.path.join(work, "pasted_%s.lua" % x["family"])
    with open(scen, "w") as f:
        f.write(base.replace("amount = 100 }", "amount = %s }" % x["lua"]))
    p = subprocess.run([roisim, "check", scen], capture_output=True, text=True)
    check(p.returncode == 0, "%s: the scenario text %s loads (%s)" % (x["family"], x["lua"],
                                                                      p.stderr.strip()))

# The thread count changes nothing.
a = fit(data, "--bootstrap", "20", "--threads", "1", "--json", "-", "-q").stdout
b = fit(data, "--bootstrap", "20", "--threads", "2", "--json", "-", "-q").stdout
check(a == b and a, "the same JSON with 1 and 2 threads")
check(json.loads(a)["column"] == "monthly_spend", "without --column: the first numeric column")

# --families and --quiet.
p = fit(data, "--families", "gamma,weibull", "--bootstrap", "0", "-q")
check(p.stdout == "", "--quiet prints nothing")
p = fit(data, "--families", "gamma,weibull", "--bootstrap", "0", "--json", "-")
fams = [x["family"] for x in json.loads(p.stdout)["fits"]]
check(sorted(fams) == ["gamma", "weibull"], "--families gamma,weibull fits those two")

# Bad data: the file and the row.
bad = os.path.join(work, "bad.csv")
with open(bad, "w") as f:
    f.write("month,share\n1,0.12\n2,0.15\n3,n/a\n4,0.18\n")
p = fit(bad, "--column", "share", code=1)
check("bad.csv: row 4, column 'share': 'n/a' is not a number" in p.stderr,
      "a bad cell names the file, the row and the column: " + p.stderr.strip())
neg = os.path.join(work, "neg.csv")
with open(neg, "w") as f:
    f.write("x\n3\n-1\n4\n5\n")
p = fit(neg, "--families", "lognormal", code=1)
check("neg.csv" in p.stderr and "row 3" in p.stderr, "a negative value for lognormal names the row")
empty = os.path.join(work, "empty.csv")
open(empty, "w").close()
p = fit(empty, code=1)
check("empty.csv" in p.stderr, "an empty file is named")
p = fit(os.path.join(work, "missing.csv"), code=1)
check("missing.csv" in p.stderr, "a missing file is named")

# The command line.
fit(code=2)
fit(data, data, code=2)
p = fit(data, "--families", "lognormla", code=2)
check("did you mean 'lognormal'" in p.stderr, "a misspelt family gets a suggestion")
fit(data, "--bootstrap", "x", code=2)
fit(data, "-n", "10", code=2)
p = fit(data, "--json", data, code=2)
check("never writes over" in p.stderr, "--json may not overwrite the data")
p = subprocess.run([roisim, "run", "--column", "x"], capture_output=True, text=True)
check(p.returncode == 2 and "only valid for 'fit'" in p.stderr, "--column is for fit only")

h.finish()
