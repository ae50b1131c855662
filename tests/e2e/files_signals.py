#!/usr/bin/env python3
"""files_signals.py - an interrupted run leaves no temporary file (docs/safety.md,
"Interrupted runs").

A long run (100,000 trials with a trials CSV of about 100 MB, the workbook and the
JSON queued beside it) is interrupted while the CSV is being written; it must end
by the signal itself (the shell's exit status 128 + N), leave no temporary file or
private folder, create no report, and leave earlier reports as they were. Also: a
signal during the simulation, SIGPIPE from a reader that goes away, the file size
limit, and a SIGINT the parent ignores (a background job), which must not stop the
run.

Usage: python3 files_signals.py ROISIM SOURCE_DIR WORK_DIR
"""
import os
import resource
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from filecases import Corpus, temps  # noqa: E402

c = Corpus("files_signals")
TRIALS = "100000"
EARLIER = b'{"earlier": true}\n'


def start(d, args, **kw):
    return subprocess.Popen([c.roisim, "run", "-q", "-n", TRIALS, "--no-analysis"] + args,
                            cwd=d, env=c.env, stdout=kw.pop("stdout", subprocess.DEVNULL),
                            stderr=subprocess.PIPE, **kw)


def wait_for_csv_temp(d, proc, size=1 << 20, timeout=240):
    """Waits until the CSV's temporary file holds `size` bytes: the workbook and the
    JSON are then queued in the batch, and the CSV is being written."""
    end = time.time() + timeout
    while time.time() < end and proc.poll() is None:
        for n in os.listdir(d):
            p = os.path.join(d, n)
            if n.startswith(".roisim-") and os.path.isfile(p) and os.path.getsize(p) > size:
                return True
        time.sleep(0.05)
    return False


def interrupted(name, sig):
    d = c.folder(name)
    with open(os.path.join(d, "r.json"), "wb") as fp:
        fp.write(EARLIER)
    proc = start(d, ["--xlsx", "r.xlsx", "--json", "r.json", "--trials-csv", "r.csv", "s.lua"])
    if not wait_for_csv_temp(d, proc):
        proc.kill()
        proc.wait()
        c.check(name + ": the CSV was being written", False, "no temporary file seen")
        return
    queued = sorted(n for n in os.listdir(d) if n.startswith(".roisim-"))
    c.check(name + ": workbook, JSON and CSV in the batch", len(queued) == 3, str(queued))
    proc.send_signal(sig)
    proc.wait(60)
    c.check(name + ": ended by the signal", proc.returncode == -sig,
            "exit status %r" % proc.returncode)
    c.check(name + ": no temporary file", not temps(d), str(temps(d)))
    c.check(name + ": no report created", not os.path.exists(os.path.join(d, "r.xlsx")) and
            not os.path.exists(os.path.join(d, "r.csv")))
    with open(os.path.join(d, "r.json"), "rb") as fp:
        c.check(name + ": the earlier report untouched", fp.read() == EARLIER)


interrupted("sigint_while_writing", signal.SIGINT)
interrupted("sigterm_while_writing", signal.SIGTERM)
interrupted("sighup_while_writing", signal.SIGHUP)

# During the simulation nothing is on disk yet: the run still ends by the signal.
d = c.folder("sigterm_while_simulating")
proc = start(d, ["--json", "r.json", "--trials-csv", "r.csv", "s.lua"])
time.sleep(0.5)
proc.send_signal(signal.SIGTERM)
proc.wait(60)
c.check("sigterm_while_simulating: ended by the signal", proc.returncode == -signal.SIGTERM,
        "exit status %r" % proc.returncode)
c.check("sigterm_while_simulating: nothing left", sorted(os.listdir(d)) == ["s.lua"],
        str(os.listdir(d)))

# A reader that goes away: SIGPIPE while the CSV streams to standard output, with the
# workbook queued.
d = c.folder("sigpipe_reader_gone")
proc = start(d, ["--xlsx", "r.xlsx", "--trials-csv", "/dev/stdout", "s.lua"],
             stdout=subprocess.PIPE)
head = proc.stdout.read(4096)
proc.stdout.close()
proc.wait(240)
c.check("sigpipe_reader_gone: the CSV started", head.startswith(b"scenario,trial,"))
c.check("sigpipe_reader_gone: ended by SIGPIPE", proc.returncode == -signal.SIGPIPE,
        "exit status %r" % proc.returncode)
c.check("sigpipe_reader_gone: no workbook, no temporary file",
        sorted(os.listdir(d)) == ["s.lua"], str(os.listdir(d)))


# The file size limit with its default action (SIGXFSZ).
def small_files():
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.RLIM_INFINITY))


d = c.folder("sigxfsz_file_size_limit")
proc = start(d, ["--json", "r.json", "--trials-csv", "r.csv", "s.lua"], preexec_fn=small_files)
proc.wait(240)
c.check("sigxfsz_file_size_limit: ended by SIGXFSZ", proc.returncode == -signal.SIGXFSZ,
        "exit status %r" % proc.returncode)
c.check("sigxfsz_file_size_limit: nothing left", sorted(os.listdir(d)) == ["s.lua"],
        str(os.listdir(d)))


# A background job's SIGINT is ignored: roisim must keep ignoring it.
def ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


d = c.folder("sigint_ignored_by_parent")
proc = start(d, ["--json", "r.json", "--trials-csv", "r.csv", "s.lua"], preexec_fn=ignore_sigint)
if wait_for_csv_temp(d, proc, size=1 << 16):
    proc.send_signal(signal.SIGINT)
proc.wait(300)
c.check("sigint_ignored_by_parent: the run finished", proc.returncode == 0,
        "exit status %r" % proc.returncode)
c.check("sigint_ignored_by_parent: both reports in place",
        sorted(os.listdir(d)) == ["r.csv", "r.json", "s.lua"], str(os.listdir(d)))

c.finish(minimum=20)
