"""End-to-end: `roisim run --sipmath FILE` writes a SIPmath 3.0 library that an
independent reader (this script: HDR 2.0 in Python's exact integers, the metalog
quantile from the standard's formula) regenerates: its HDR reproduces the standard's
known answers, and every SIP's first three trials match what the library states.
Also: the library is written with the other reports or not at all, and the option's
usage errors.

Arguments: roisim-binary source-dir work-dir."""
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("sipmath")
roisim, src, work, check = h.roisim, h.src, h.work, h.check


def hdr(counter, var, ent, s3, s4):
    """HDR 2.0 as the standard writes it (issue 18, docs/sipmath.md)."""
    a = ((10**15 - 11) % ((counter * 2499997 + var * 1800451 + ent * 2000371 + s3 * 1796777
                           + s4 * 2299603) % 7450589 * 4658 + 7450581)) * 383 % 99991
    b = ((10**15 - 11) % ((counter * 2246527 + var * 2399993 + ent * 2100869 + s3 * 1918303
                           + s4 * 1624729) % 7450987 * 7580 + 7560584)) * 17669 % 7440893
    return (((a * 7440893 + b) * 1343) % 2**32 + 0.5) / 2**32


def metalog(a, y, lower=None, upper=None):
    L = math.log(y / (1 - y))
    c = y - 0.5
    m = 0.0
    for j, aj in enumerate(a, start=1):
        if j == 1:
            t = 1
        elif j == 2:
            t = L
        elif j == 3:
            t = c * L
        elif j == 4:
            t = c
        elif j % 2 == 1:
            t = c ** ((j - 1) // 2)
        else:
            t = c ** (j // 2 - 1) * L
        m += aj * t
    if lower is not None and upper is not None:
        return (lower + upper * math.exp(m)) / (1 + math.exp(m))
    if lower is not None:
        return lower + math.exp(m)
    if upper is not None:
        return upper - math.exp(-m)
    return m


# The reader is right: the standard's known answers.
for c, want in ((1, 0.017076639574952), (2, 0.635042575071566), (3, 0.110189726925455)):
    check(abs(hdr(c, 1, 1, 1, 1) - want) < 5e-16, "HDR known answer, counter %d" % c)
ka = [9.872717622, 1.678242357, 2.54967822, 3.535388319, -13.40905029]
for c, want in ((1, 4.97377773402723), (2, 5.26303264347232), (3, 11.3668582781926)):
    got = metalog(ka, hdr(c, 8, 9039920, 0, 0))
    check(abs(got - want) < 1e-12 * abs(want), "metalog known answer, trial %d: %r" % (c, got))

lib = os.path.join(work, "base.sipmath.json")
out = os.path.join(work, "base.json")
base = os.path.join(src, "scenarios", "base.lua")
p = subprocess.run([roisim, "run", base, "-n", "2000", "--no-analysis", "-q", "--seed", "77",
                    "--sipmath", lib, "--json", out], capture_output=True, text=True)
check(p.returncode == 0, "run --sipmath exits 0: " + p.stderr.strip())
doc = json.load(open(lib))
check(doc["objectType"] == "sipModel" and doc["libraryType"] == "SIPmath_3_0", "header")
check("seed 77, 2000 trials" in doc["provenance"] and "base.lua" in doc["provenance"],
      "provenance names the seed, the trials and the scenario")
rng = {r["name"]: r for r in doc["U01"]["rng"]}
run = json.load(open(out))["scenarios"][0]
names = {s["name"] for s in doc["sips"]}
for i in run["inputs"]:
    check("base." + i["name"] in names, "input %s has a SIP" % i["name"])
for o in ("npv", "total_spend", "total_revenue"):
    check("base." + o in names, "output %s has a SIP" % o)
for s in doc["sips"]:
    r = rng[s["ref"]["name"]]
    check(r["function"] == "HDR_2_0" and r["arguments"]["counter"] == "PM_Index",
          "%s: an HDR 2.0 stream" % s["name"])
    g = r["arguments"]
    args = s["arguments"]
    for c in (1, 2, 3):
        u = hdr(c, g["varId"], g["entity"], g["seed3"], g["seed4"])
        got = metalog(args["aCoefficients"], u, args.get("lowerBound"), args.get("upperBound"))
        want = s["metadata"]["firstTrials"][c - 1]
        check(abs(got - want) <= 1e-9 * max(1.0, abs(want)),
              "%s trial %d: this reader %r, the library %r" % (s["name"], c, got, want))
    meta = s["metadata"]
    if meta["kind"] == "input" and not meta.get("integer"):
        # The SIP's median against the input's, within the stated fit error (whole-number
        # inputs are checked, jittered, by tests/test_sipmath.c).
        med = metalog(args["aCoefficients"], 0.5, args.get("lowerBound"), args.get("upperBound"))
        check(abs(med - meta["p50"]) <= 1.001 * meta["fitMaxError"] + 1e-9 * abs(meta["p50"]),
              "%s: median %r, the input's %r" % (s["name"], med, meta["p50"]))

# Import: a scenario beside the library takes an input from it; its trials 0, 1, 2 are
# HDR counters 1, 2, 3, the values the library states as its first trials.
sip = next(x for x in doc["sips"] if x["name"] == "base.build_out.amount")
const = open(os.path.join(src, "tests", "scenarios", "constant.lua")).read()
scen = os.path.join(work, "imported.lua")
with open(scen, "w") as f:
    f.write(const.replace("amount = 100 }", 'amount = sipmath{ library = "base.sipmath.json", '
                          'sip = "base.build_out.amount" } }'))
trials = os.path.join(work, "imported.csv")
p = subprocess.run([roisim, "run", scen, "-n", "3", "-q", "--trials-csv", trials],
                   capture_output=True, text=True)
check(p.returncode == 0, "a scenario imports a SIP: " + p.stderr.strip())
if p.returncode == 0:
    rows = [line.split(",") for line in open(trials).read().splitlines()]
    col = rows[0].index("team.amount")
    got = [float(r[col]) for r in rows[1:]]
    check(got == sip["metadata"]["firstTrials"],
          "the imported input's trials %r are the library's %r" % (got, sip["metadata"]["firstTrials"]))
p = subprocess.run([roisim, "run", scen, "-n", "3", "-q", "--json", lib], capture_output=True,
                   text=True)
check(p.returncode == 2 and "never writes over" in p.stderr,
      "a report may not overwrite a library the scenario reads")

# Usage: a file, never standard output or a file the run reads.
for args, what in ((["--sipmath", "-"], "standard output"), (["--sipmath", base], "the scenario")):
    p = subprocess.run([roisim, "run", base, "-n", "10", "-q", *args], capture_output=True, text=True)
    check(p.returncode == 2, "--sipmath %s is refused (exit %d)" % (what, p.returncode))
p = subprocess.run([roisim, "check", base, "--sipmath", lib], capture_output=True, text=True)
check(p.returncode == 2 and "only valid for 'run'" in p.stderr, "--sipmath is for run only")

h.finish()
