#!/usr/bin/env python3
"""run.py - bad scenarios and bad command lines: each must fail with its message.

Usage: python3 run.py ROISIM_BINARY CORPUS_DIR WORK_DIR

Cases: every .lua file here with a "-- expect: SUBSTRING" header (optional
"-- exit: N", default 1, and "-- args: ..." replacing "check --quiet"), run from
this folder so that messages carry the relative "file.lua:LINE:"; and every line of
cases.txt ("EXIT | SUBSTRING | ARGS"). Every case must exit with its status (never
a signal), print its substring on stderr, and, for runs with --json, leave the
earlier report untouched.
"""
import os
import shlex
import shutil
import subprocess
import sys


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    roisim, corpus, work = (os.path.abspath(a) for a in sys.argv[1:])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # A FIFO named as a scenario, and a scenario extending one: both are opened without
    # waiting for a writer, and refused (only regular files are scenarios).
    os.mkfifo(os.path.join(work, "fifo.lua"))
    with open(os.path.join(work, "extends_fifo.lua"), "w", encoding="utf-8") as fp:
        fp.write('scenario { extends = "fifo" }\n')
    env = dict(os.environ)
    env["ROISIM_SCENARIOS"] = os.path.join(corpus, "..", "..", "scenarios")
    cases = []
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".lua"):
            continue
        head = {}
        with open(os.path.join(corpus, name), encoding="utf-8") as fp:
            for line in fp:
                for key in ("expect", "exit", "args"):
                    if line.startswith("-- %s: " % key):
                        head.setdefault(key, line[len(key) + 5:].rstrip("\n"))
        if "expect" not in head:
            continue  # a helper, e.g. the other half of a circle
        args = shlex.split(head.get("args", "check --quiet")) + [name]
        cases.append((name, int(head.get("exit", "1")), head["expect"], args))
    with open(os.path.join(corpus, "cases.txt"), encoding="utf-8") as fp:
        for n, line in enumerate(fp, 1):
            if not line.strip() or line.startswith("#"):
                continue
            status, sub, args = (p.strip() for p in line.split("|", 2))
            args = args.replace("{bad}", corpus).replace("{work}", work)
            cases.append(("cases.txt:%d" % n, int(status), sub, shlex.split(args)))

    # An earlier report that no failing run may touch.
    report = os.path.join(work, "earlier.json")
    with open(report, "w") as fp:
        fp.write('{"earlier": true}\n')
    failures = 0
    for what, status, sub, args in cases:
        if args and args[0] == "run":
            args = args + ["--json", report]
        proc = subprocess.run([roisim] + args, cwd=corpus, env=env, capture_output=True,
                              text=True, timeout=120)
        problems = []
        if proc.returncode < 0:
            problems.append("killed by signal %d" % -proc.returncode)
        elif proc.returncode != status:
            problems.append("exit status %d, expected %d" % (proc.returncode, status))
        if sub not in proc.stderr:
            problems.append("stderr lacks %r" % sub)
        with open(report) as fp:
            if fp.read() != '{"earlier": true}\n':
                problems.append("the earlier report was overwritten")
        if problems:
            failures += 1
            print("FAIL: %s (roisim %s): %s" % (what, " ".join(args), "; ".join(problems)),
                  file=sys.stderr)
            for line in proc.stderr.splitlines():
                print("    stderr: " + line, file=sys.stderr)
        else:
            print("ok: %s: %s" % (what, proc.stderr.splitlines()[0][:160]))
    if len(cases) < 40:
        print("FAIL: only %d cases" % len(cases), file=sys.stderr)
        failures += 1
    leftovers = [f for f in os.listdir(work)
                 if f not in ("earlier.json", "fifo.lua", "extends_fifo.lua")]
    if leftovers:
        print("FAIL: files left in the work folder: %s" % leftovers, file=sys.stderr)
        failures += 1
    if failures:
        print("%d of %d bad-input case(s) failed" % (failures, len(cases)), file=sys.stderr)
        return 1
    print("all %d bad inputs were refused with their message" % len(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
