#!/usr/bin/env python3
"""extends_race.py - a parent swapped for a link outside the folder while loads run.

Usage: python3 extends_race.py ROISIM_BINARY SOURCE_DIR WORK_DIR

A scenario extends "p"; another thread keeps replacing p.lua (by rename, atomically)
with a regular file inside the folder or a symbolic link to a file outside it, which
prints OUTSIDE when it runs. Over 150 loads the outside file must never run: the
loader checks the file it opened (its real path and device and inode), not the name
again. Some loads are refused ("outside the folder", "was replaced"); the others load
the inside file.
"""
import os
import shutil
import subprocess
import sys
import threading


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    roisim, src, work = (os.path.abspath(a) for a in sys.argv[1:])
    shutil.rmtree(work, ignore_errors=True)
    folder, outside = os.path.join(work, "shared"), os.path.join(work, "outside")
    os.makedirs(folder)
    os.makedirs(outside)
    env = dict(os.environ, ROISIM_SCENARIOS=os.path.join(src, "scenarios"))
    with open(os.path.join(outside, "evil.lua"), "w", encoding="utf-8") as fp:
        fp.write('print("OUTSIDE")\nscenario { extends = "base" }\n')
    with open(os.path.join(folder, "inside.lua"), "w", encoding="utf-8") as fp:
        fp.write('scenario { extends = "base" }\n')
    with open(os.path.join(folder, "a.lua"), "w", encoding="utf-8") as fp:
        fp.write('scenario { extends = "p" }\n')
    shutil.copy(os.path.join(folder, "inside.lua"), os.path.join(folder, "p.lua"))
    stop = threading.Event()

    def swap():
        k = 0
        while not stop.is_set():
            tmp = os.path.join(folder, ".swap%d" % (k % 2))
            if k % 2:
                os.symlink(os.path.join(outside, "evil.lua"), tmp)
            else:
                shutil.copy(os.path.join(folder, "inside.lua"), tmp)
            os.rename(tmp, os.path.join(folder, "p.lua"))
            k += 1

    t = threading.Thread(target=swap)
    t.start()
    outcomes = {"loaded": 0, "refused": 0}
    failures = 0
    try:
        for _ in range(150):
            proc = subprocess.run([roisim, "check", "--quiet", os.path.join(folder, "a.lua")],
                                  capture_output=True, text=True, timeout=60, env=env)
            if "OUTSIDE" in proc.stdout + proc.stderr:
                failures += 1
                print("FAIL: the file outside the folder ran: %s" % proc.stderr[:300],
                      file=sys.stderr)
            elif proc.returncode == 0:
                outcomes["loaded"] += 1
            elif ("outside the folder" in proc.stderr or "was replaced" in proc.stderr
                  or "cannot" in proc.stderr):
                outcomes["refused"] += 1
            else:
                failures += 1
                print("FAIL: exit %d: %s" % (proc.returncode, proc.stderr[:300]), file=sys.stderr)
    finally:
        stop.set()
        t.join()
    print("150 loads: %d loaded the inside file, %d refused, %d failures" %
          (outcomes["loaded"], outcomes["refused"], failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
