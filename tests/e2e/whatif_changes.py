"""End-to-end: what a what-if changes, and names given to expressions, in the reports.

- The JSON `changes` of every scenario and the Inputs sheet's block "What each what-if
  changes" list every parameter a what-if sets, constant or uncertain, with the
  parent's value (rollout_slips, data_moat, no_moat set constants only).
- A relative what-if (cheap_fuel: rate = rate * 0.5) shows the value used: the trials
  CSV holds half the parent's draw in every trial, the Inputs sheet and the JSON give
  the expression and its sampled mean (half the parent's).
- The Series sheet leaves out score and quality_multiplier for a case without versions.
- A name given to an expression (regulator_delay = bernoulli(0.3) * 4) means it in
  --given: the view holds in 30% of the trials (within 4 standard errors).

Arguments: roisim-binary source-dir work-dir."""
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

try:
    import openpyxl
except ImportError:
    # The Debian package lives in the system Python (as workbook.py).
    system = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(system) and os.path.exists(system):
        os.execv(system, [system] + sys.argv)
    openpyxl = None

h = Harness("whatif_changes")
work = os.path.abspath(h.work)


def changes_block(path):
    """The rows of the Inputs sheet's changes block: (scenario, path, parent, value)."""
    rows, on = [], False
    for r in openpyxl.load_workbook(path)["Inputs"].iter_rows(values_only=True):
        if r[0] == "What each what-if changes":
            on = True
        elif on and r[0] and r[0] != "Scenario" and r[1]:
            rows.append(tuple(r[:4]))
    return rows


def input_rows(path):
    rows = {}
    for r in openpyxl.load_workbook(path)["Inputs"].iter_rows(min_row=5, values_only=True):
        if r[0] == "What each what-if changes":
            break
        if r[0]:
            rows[(r[0], r[1])] = r
    return rows


# ---- what the bundled what-ifs change -------------------------------------------------------
js, xl = os.path.join(work, "meta.json"), os.path.join(work, "meta.xlsx")
files = ["scenarios/%s.lua" % n for n in ("base", "rollout_slips", "data_moat", "no_moat",
                                          "v2_slips")]
h.roisim_cmd("run", *files, "-n", "400", "--quiet", "--json", js, "--xlsx", xl)
scen = {s["name"]: s for s in json.load(open(js))["scenarios"]}
h.check(scen["base"]["changes"] == [], "base changes nothing: %r" % scen["base"]["changes"])
slips = {c["path"]: c for c in scen["rollout_slips"]["changes"]}
h.check(sorted(slips) == ["facebook.delay", "instagram.delay", "whatsapp.delay"],
        "rollout_slips lists its three constants: %r" % sorted(slips))
for c in slips.values():
    h.check(c["value"] == "2" and c["parent"].startswith("discrete{"),
            "rollout_slips %s: parent's discrete, now 2: %r" % (c["path"], c))
h.check(scen["data_moat"]["changes"] == [{"path": "moat", "parent": "bernoulli(0.5)",
                                          "value": "1"}],
        "data_moat: moat from bernoulli(0.5) to 1: %r" % scen["data_moat"]["changes"])
h.check(scen["no_moat"]["changes"] == [{"path": "moat", "parent": "bernoulli(0.5)",
                                        "value": "0"}],
        "no_moat: moat from bernoulli(0.5) to 0: %r" % scen["no_moat"]["changes"])
v2 = {c["path"]: c for c in scen["v2_slips"]["changes"]}
h.check(v2.get("v2.score", {}).get("parent") == "normal(58, 3.5)",
        "v2_slips: an uncertain change with the parent's distribution: %r" % v2)
if openpyxl:
    want = [(n, c["path"], c["parent"], c["value"]) for n in scen for c in scen[n]["changes"]]
    got = changes_block(xl)
    h.check(got == want, "the Inputs sheet lists the JSON's changes:\n%r\n%r" % (got, want))
else:
    print("SKIP: python3-openpyxl is not installed: the workbook is not read")

# ---- a relative what-if shows the value used ------------------------------------------------
js, xl, tc = (os.path.join(work, f) for f in ("fleet.json", "fleet.xlsx", "fleet.csv"))
h.roisim_cmd("run", "scenarios/examples/fleet_routing.lua", "scenarios/examples/cheap_fuel.lua",
             "-n", "500", "--quiet", "--json", js, "--xlsx", xl, "--trials-csv", tc)
rate = {"fleet_routing": {}, "cheap_fuel": {}}
for r in csv.DictReader(open(tc)):
    rate[r["scenario"]][r["trial"]] = float(r["fuel_and_overtime.rate"])
h.check(len(rate["cheap_fuel"]) == 500 and all(
    abs(rate["cheap_fuel"][t] - 0.5 * v) <= 1e-12 * v for t, v in rate["fleet_routing"].items()),
    "trials CSV: cheap_fuel's rate is half the parent's draw in every trial")
scen = {s["name"]: s for s in json.load(open(js))["scenarios"]}
ins = {n: {i["name"]: i for i in scen[n]["inputs"]} for n in scen}
cheap, parent = ins["cheap_fuel"]["fuel_and_overtime.rate"], ins["fleet_routing"]["fuel_and_overtime.rate"]
h.check(cheap.get("expression") is True and cheap["distribution"].endswith(" * 0.5"),
        "JSON: the rate is a named expression, written out: %r" % cheap)
h.check(abs(cheap["mean"] - 0.5 * parent["mean"]) <= 1e-9 * parent["mean"],
        "JSON: the rate's mean is half the parent's (%r, %r)" % (cheap["mean"], parent["mean"]))
h.check(scen["cheap_fuel"]["changes"] == [
    {"path": "fuel_and_overtime.rate", "parent": parent["distribution"],
     "value": "(%s * 0.5)" % parent["distribution"]}],
    "cheap_fuel lists its change: %r" % scen["cheap_fuel"]["changes"])
if openpyxl:
    series = {r[0] for r in openpyxl.load_workbook(xl)["Series"].iter_rows(values_only=True)}
    h.check(not series & {"score", "quality_multiplier"},
            "Series: no score or quality_multiplier rows for a case without versions")
    r = input_rows(xl).get(("cheap_fuel", "fuel_and_overtime.rate"))
    if h.check(r is not None, "Inputs sheet has cheap_fuel's rate"):
        h.check(r[2] == cheap["distribution"] and abs(r[3] - cheap["mean"]) <= 1e-12 * cheap["mean"]
                and r[6] == "changed", "Inputs sheet: the value used, marked changed: %r" % (r,))

# ---- a named expression in --given ----------------------------------------------------------
clinic = os.path.join(work, "clinic.lua")
with open(clinic, "w") as f:
    f.write('horizon { from = "2027Q1", to = "2028Q4", discount = 0.08, terminal = false }\n'
            "regulator_delay = bernoulli(0.3) * 4\n"
            'surface "portal" { launch = "2027Q1", delay = regulator_delay, addressable = 1000,\n'
            "  ceiling = beta(6, 4), adoption = { p = 0.05, q = 0.4, f0 = 0 }, interactions = 2 }\n"
            'spend "build" { kind = "lump", quarter = "2027Q1", amount = 5000 }\n'
            'revenue "calls" { class = "savings", kind = "per_interaction", rate = uniform(1, 3),\n'
            '  ratio = 0.5, from = "2027Q1" }\n')
js = os.path.join(work, "clinic.json")
n = 20000
h.roisim_cmd("run", clinic, "-n", str(n), "--seed", "3", "--quiet", "--given",
             "regulator_delay >= 4", "--json", js)
v = json.load(open(js))["scenarios"][0]["analysis"]["views"][0]
se = math.sqrt(0.3 * 0.7 / n)
h.check(abs(v["share"] - 0.3) < 4 * se, "--given on a named expression holds in 30%%: %r"
        % v["share"])
h.finish()
