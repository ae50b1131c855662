#!/usr/bin/env python3
"""extreme_families.py - every distribution family at extreme parameters, through a
whole run (simulation, statistics, goal seek, views, sensitivity analysis).

Usage: python3 extreme_families.py ROISIM_BINARY SOURCE_DIR WORK_DIR

Each case puts one distribution on frontier.slope of the base scenario and runs
`roisim run -n 300 --json`. It must end within a minute (no numerical routine may
loop: beta(1e6, 1e6) once hung in GSL's inverse), exit 0 or 1 (never a signal), with
a message on failure, and a JSON report without NaN or infinities on success.
"""
import json
import math
import os
import shutil
import subprocess
import sys

CASES = [
    "beta(1e6, 1e6)", "beta(1e6, 1e6, 2, 8)", "beta(3e5, 7e5)", "beta(1e9, 1)",
    "beta(1, 1e9)", "beta(1e-3, 1e-3)", "beta(1e-300, 1e-300)", "beta(1e300, 1e300)",
    "normal(5, 1e-300)", "normal(5, 1e300)", "normal(1e300, 1)", "normal(-1e300, 1e300)",
    "uniform(-1e308, 1e308)", "uniform(5, 5 + 1e-12)", "triangular(0, 0, 1e-300)",
    "triangular(-1e308, 0, 1e308)", "pert(0, 1e-300, 1e-300)", "pert(-1e308, 0, 1e308)",
    "lognormal{p5 = 1e-300, p95 = 1e300}", "lognormal{p5 = 1, p95 = 1 + 1e-15}",
    "lognormal{mean = 1e300, sd = 1e300}", "lognormal{mean = 1e-300, sd = 1e300}",
    "gamma{shape = 1e-300, scale = 1}", "gamma{shape = 1e9, scale = 1e-9}",
    "gamma{shape = 1e300, scale = 1e300}", "weibull{shape = 1e-300, scale = 1}",
    "weibull{shape = 1e300, scale = 1}", "weibull{shape = 1e-3, scale = 1e300}",
    "bernoulli(1e-300)", "bernoulli(1 - 1e-16)",
    "discrete{[0] = 1e-300, [1] = 1 - 1e-300}", "discrete{[-1e308] = .5, [1e308] = .5}",
    "normal(5, 1):truncate{low = 1e6}", "normal(5, 1):truncate{low = 40, high = 40 + 1e-12}",
    "beta(1e6, 1e6):truncate{low = 0.5, high = 0.5000001}",
]


def bad_number(x):
    if isinstance(x, float):
        return math.isnan(x) or math.isinf(x)
    if isinstance(x, dict):
        return any(bad_number(v) for v in x.values())
    if isinstance(x, list):
        return any(bad_number(v) for v in x)
    return False


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    roisim, src, work = (os.path.abspath(a) for a in sys.argv[1:])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, ROISIM_SCENARIOS=os.path.join(src, "scenarios"))
    failures = 0
    for i, expr in enumerate(CASES):
        lua = os.path.join(work, "case%02d.lua" % i)
        out = os.path.join(work, "case%02d.json" % i)
        with open(lua, "w", encoding="utf-8") as fp:
            fp.write('scenario { extends = "base" }\nfrontier.slope = %s\n' % expr)
        try:
            proc = subprocess.run([roisim, "run", "-n", "300", "--quiet", "--json", out, lua],
                                  capture_output=True, text=True, timeout=60, env=env)
        except subprocess.TimeoutExpired:
            print("FAIL: %s: still running after 60 s" % expr, file=sys.stderr)
            failures += 1
            continue
        what = "exit %d" % proc.returncode
        ok = proc.returncode in (0, 1)
        if proc.returncode == 1 and "roisim: " not in proc.stderr:
            ok, what = False, "exit 1 without a message"
        if proc.returncode == 0:
            with open(out, encoding="utf-8") as fp:
                text = fp.read()
            if bad_number(json.loads(text)) or "NaN" in text or "Infinity" in text:
                ok, what = False, "a report with a number that is not finite"
        msg = proc.stderr.strip().splitlines()[0][:150] if proc.stderr.strip() else ""
        if ok:
            print("ok: %s: %s %s" % (expr, what, msg))
        else:
            print("FAIL: %s: %s %s" % (expr, what, proc.stderr[-400:]), file=sys.stderr)
            failures += 1
    print("%d of %d extreme cases failed" % (failures, len(CASES)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
