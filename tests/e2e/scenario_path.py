"""End-to-end: the scenario path (--scenario-path DIR, $ROISIM_PATH). A what-if in one
folder extends a company base in a sibling folder through either; the scenario's own
folder comes first, then --scenario-path in order, then $ROISIM_PATH, then the bundled
scenarios; a link in a root that leads out of it, '..' and absolute names are refused;
a name found nowhere lists the folders searched; a root that is missing or not a
folder is refused at once, naming it.

Arguments: roisim-binary source-dir work-dir."""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("scenario_path")
check, work = h.check, os.path.abspath(h.work)
shutil.rmtree(work, ignore_errors=True)
for d in ("company", "company2", "team", "outside"):
    os.makedirs(os.path.join(work, d))


def write(rel, text):
    with open(os.path.join(work, rel), "w") as f:
        f.write(text)


BASE = ('scenario { title = "%s" }\n'
        'horizon { from = "2027Q1", to = "2028Q4", discount = 0.1, terminal = false }\n'
        'spend "kit" { kind = "lump", quarter = "2027Q1", amount = %d }\n'
        'revenue "fees" { kind = "schedule", from = "2027Q2", to = "end", amount = 30000 }\n')
write("company/shared.lua", BASE % ("company base", 100000))
write("company2/shared.lua", BASE % ("second base", 200000))
write("outside/secret.lua", BASE % ("outside", 1))
os.symlink(os.path.join(work, "outside", "secret.lua"), os.path.join(work, "company", "link.lua"))
write("team/whatif.lua", 'scenario { title = "team", extends = "shared" }\nfees.amount = 40000\n')
write("team/via_link.lua", 'scenario { title = "team", extends = "link" }\n')
write("team/dotdot.lua", 'scenario { title = "team", extends = "../company/shared" }\n')
write("team/missing.lua", 'scenario { title = "team", extends = "nowhere" }\n')
whatif = os.path.join(work, "team", "whatif.lua")
env = dict(os.environ)


def run(*args, code=0, path=None):
    if path is None:
        os.environ.pop("ROISIM_PATH", None)
    else:
        os.environ["ROISIM_PATH"] = path
    try:
        return h.roisim_cmd(*args, code=code, cwd=work)
    finally:
        os.environ.clear()
        os.environ.update(env)


def spend(*args, path=None):
    """The mean total spend of the what-if: which base it extended."""
    out = os.path.join(work, "o.json")
    run("run", whatif, "-n", "100", "-q", "--json", out, *args, path=path)
    import json
    s = json.load(open(out))["scenarios"][0]["outputs"]["total_spend"]["mean"]
    return s


p = run("check", whatif, code=1)
check("no scenario 'shared.lua' in the folders searched" in p.stderr and "(bundled)" in p.stderr,
      "without a path the base is not found, the folders listed: " + p.stderr.strip())
check(spend("--scenario-path", "company") == 100000, "--scenario-path reaches a sibling folder")
check(spend(path="company") == 100000, "$ROISIM_PATH reaches a sibling folder")
check(spend(path="::" + os.path.join(work, "company") + ":") == 100000,
      "empty entries of $ROISIM_PATH are skipped")
check(spend("--scenario-path", "company2", "--scenario-path", "company") == 200000,
      "--scenario-path roots are searched in the order given")
check(spend("--scenario-path", "company2", path="company") == 200000,
      "--scenario-path comes before $ROISIM_PATH")
check(spend(path="company2:company") == 200000, "$ROISIM_PATH in its order")
write("team/shared.lua", BASE % ("own folder", 300000))
check(spend("--scenario-path", "company") == 300000, "the scenario's own folder comes first")
os.remove(os.path.join(work, "team", "shared.lua"))

p = run("check", os.path.join(work, "team", "via_link.lua"), "--scenario-path", "company", code=1)
check("outside the folder" in p.stderr, "a link in a root out of it is refused: " + p.stderr.strip())
p = run("check", os.path.join(work, "team", "dotdot.lua"), "--scenario-path", "company", code=1)
check("no absolute paths, no '..'" in p.stderr, "'..' is refused: " + p.stderr.strip())
p = run("check", os.path.join(work, "team", "missing.lua"), "--scenario-path", "company",
        path="company2", code=1)
check("'company/' (scenario path)" in p.stderr and "'company2/' (scenario path)" in p.stderr
      or "'company' (scenario path)" in p.stderr and "'company2' (scenario path)" in p.stderr,
      "not found lists every root: " + p.stderr.strip())
p = run("check", whatif, "--scenario-path", "nosuch", code=2)
check("--scenario-path 'nosuch': no such folder" in p.stderr, "a missing root: " + p.stderr.strip())
p = run("check", whatif, path=os.path.join(work, "company", "shared.lua"), code=2)
check("$ROISIM_PATH" in p.stderr and "not a folder" in p.stderr,
      "a root that is a file: " + p.stderr.strip())
p = run("check", whatif, "--scenario-path", "", code=2)
check("--scenario-path" in p.stderr, "an empty --scenario-path: " + p.stderr.strip())

h.finish()
