#!/usr/bin/env python3
"""compare.py - do roisim and the benchmark's reference loop agree on the base case?

Usage: compare.py ROISIM_JSON REF_OUT

ROISIM_JSON is `roisim run scenarios/base.lua --json FILE` output, REF_OUT the "key
value [width]" lines of `roisim-ref --out FILE` for the same seed and trials. The two
share the streams and the model, so they must agree:

- the scalar outputs' percentiles, prob_positive: to 1e-9 relative (both are exact
  order statistics of the same doubles; only an arithmetic slip in either breaks it);
  means to 1e-9 relative (roisim sums per block, the reference in one sum);
- per-quarter bands and the inputs' p5/p95: within two bin widths of the 2048-bin
  histograms (both estimate from histograms of the same range, filled differently);
- npv's rank correlation with every input: within 2e-3 (roisim ranks the outputs'
  floats, the reference the inputs' floats: ties differ);
- the goal seek's lift: within 5e-3 (bisection against Brent's method on the same
  piecewise-constant probability).

Exits 0 when all agree, 1 with each disagreement listed.
"""
import json
import math
import sys


def load_ref(path):
    vals = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                vals[parts[0]] = [float(p) for p in parts[1:]]
    return vals


def rel_close(a, b, tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)


def check_outputs(scen, ref, bad):
    n = 0
    for name, summ in scen["outputs"].items():
        for stat in ("mean", "prob_positive", "p5", "p10", "p50", "p90", "p95"):
            key = "%s.%s" % (name, stat)
            if key not in ref or stat not in summ or summ[stat] is None:
                continue
            a, b = summ[stat], ref[key][0]
            n += 1
            if not rel_close(a, b, 1e-9):
                bad.append("%s: roisim %r, reference %r" % (key, a, b))
    return n


def check_cells(scen, ref, bad):
    n = 0
    for name, rows in scen["series"].items():
        for t, row in enumerate(rows):
            for stat in ("mean", "p10", "p50", "p90"):
                key = "series.%s.%d.%s" % (name, t, stat)
                if key not in ref:
                    continue
                b, width = ref[key]
                a = row[stat]
                n += 1
                tol = 2.0 * width if stat != "mean" else 1e-9 * max(abs(a), abs(b))
                if not abs(a - b) <= tol + 1e-12 * max(abs(a), abs(b)):
                    bad.append("%s: roisim %r, reference %r (tolerance %g)" % (key, a, b, tol))
    for inp in scen["inputs"]:
        for stat in ("p5", "p95"):
            key = "input.%s.%s" % (inp["name"], stat)
            if key not in ref:
                continue
            b, width = ref[key]
            n += 1
            if not abs(inp[stat] - b) <= 2.0 * width:
                bad.append("%s: roisim %r, reference %r" % (key, inp[stat], b))
    return n


def check_analysis(scen, ref, bad):
    n = 0
    sens = scen.get("analysis", {}).get("sensitivity", {}).get("npv", [])
    for row in sens:
        key = "sensitivity.npv.%s" % row["input"]
        if key in ref:
            n += 1
            if not abs(row["rank_correlation"] - ref[key][0]) <= 2e-3:
                bad.append("%s: roisim %r, reference %r" % (key, row["rank_correlation"],
                                                            ref[key][0]))
    for goal in scen.get("goals", []):
        if goal.get("input") == "core_ad_uplift.lift" and "goal.lift" in ref:
            n += 1
            if not abs(goal["value"] - ref["goal.lift"][0]) <= 5e-3:
                bad.append("goal.lift: roisim %r, reference %r" % (goal["value"],
                                                                  ref["goal.lift"][0]))
    return n


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: compare.py ROISIM_JSON REF_OUT\n")
        return 2
    with open(sys.argv[1]) as f:
        scen = json.load(f)["scenarios"][0]
    ref = load_ref(sys.argv[2])
    bad = []
    n = check_outputs(scen, ref, bad) + check_cells(scen, ref, bad) + \
        check_analysis(scen, ref, bad)
    for b in bad[:40]:
        print("differ: " + b)
    if bad:
        print("compare: %d of %d numbers differ" % (len(bad), n))
        return 1
    print("compare: %d numbers agree" % n)
    return 0 if n > 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
