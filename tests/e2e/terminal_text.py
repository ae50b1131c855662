#!/usr/bin/env python3
"""terminal_text.py - a scenario's text cannot drive the terminal.

Usage: python3 terminal_text.py ROISIM_BINARY SOURCE_DIR WORK_DIR

Titles, input names, goal names and file names are the scenario's (or whoever named
the file): the terminal summary and the messages show control characters (escape
sequences, carriage returns, C1 controls) as \\xNN, while the JSON report keeps the
text itself (escaped by JSON). Checked on standard output, on standard error (the
summary there with --json -), and on a message.
"""
import json
import os
import re
import shutil
import subprocess
import sys

RAW = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")

SCENARIO = b'scenario { extends = "base" }\n'
REFUSED = b'goal "g\\27]0;pwned\\7" { input = "v2.score", output = "npv", stat = "mean", target = 0, low = 40, high = 80 }\n'


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    roisim, src, work = (os.path.abspath(a) for a in sys.argv[1:])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, ROISIM_SCENARIOS=os.path.join(src, "scenarios"))
    name = b"evil\x1b[2J.lua"
    with open(os.path.join(work.encode(), name), "wb") as fp:
        fp.write(SCENARIO)
    failures = 0

    def check(what, ok, detail=b""):
        nonlocal failures
        print(("ok: " if ok else "FAIL: ") + what + ("" if ok else ": %r" % detail[:300]),
              file=sys.stdout if ok else sys.stderr)
        failures += 0 if ok else 1

    run = subprocess.run([roisim.encode(), b"run", b"-n", b"200", name], cwd=work, env=env,
                         capture_output=True, timeout=300)
    check("run succeeds", run.returncode == 0, run.stderr)
    check("the summary holds no control character", not RAW.search(run.stdout), run.stdout)
    check("the file's name is shown escaped", b"evil\\x1b[2J" in run.stdout, run.stdout)
    out = os.path.join(work, "r.json")
    js = subprocess.run([roisim.encode(), b"run", b"-n", b"200", b"--json", b"-", name],
                        cwd=work, env=env, capture_output=True, timeout=300)
    check("run --json - succeeds", js.returncode == 0, js.stderr)
    check("the summary on standard error holds no control character",
          not RAW.search(js.stderr), js.stderr)
    try:
        doc = json.loads(js.stdout)
        check("the JSON keeps the file's name as written",
              doc["scenarios"][0]["name"] == "evil\x1b[2J", js.stdout)
    except ValueError:
        check("the JSON parses", False, js.stdout)
    bad = subprocess.run([roisim.encode(), b"check", b"--quiet", b"--set",
                          b'v2.score=error("x\\27[2J\\13y", 0)', name], cwd=work, env=env,
                         capture_output=True, timeout=120)
    check("a failing check exits 1", bad.returncode == 1, bad.stderr)
    check("its message holds no control character", not RAW.search(bad.stderr), bad.stderr)
    check("its message shows them escaped", b"x\\x1b[2J\\x0dy" in bad.stderr, bad.stderr)
    with open(os.path.join(work.encode(), b"goal.lua"), "wb") as fp:
        fp.write(SCENARIO + REFUSED)
    ref = subprocess.run([roisim.encode(), b"check", b"--quiet", b"goal.lua"], cwd=work, env=env,
                         capture_output=True, timeout=120)
    check("a goal name with control characters is refused at its line",
          ref.returncode == 1 and b"goal.lua:2: goal name holds a control character" in ref.stderr,
          ref.stderr)
    print("%d terminal text check(s) failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
