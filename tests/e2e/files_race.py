#!/usr/bin/env python3
"""files_race.py - nobody else can redirect a report ("Races", docs/safety.md).

The workbook used to be written by libxlsxwriter to a temporary *name* beside the
target, which another user of a shared folder could replace with a symbolic link
between its creation and its use (28 of 30 root runs then wrote a root-owned file
outside the folder). Now every temporary file is created O_EXCL | O_NOFOLLOW in a
folder opened once, and libxlsxwriter writes inside a private 0700 directory reached
by descriptor. The cases: an unprivileged user (uid 65534) attacking every temporary
entry it sees in a sticky shared folder during many runs; the report's own name
replaced by a link during the run; the target folder, the temporary file and the
private directory swapped during the run (as their owner could); and names near
NAME_MAX. A victim file outside the folder must never change.

Usage: python3 files_race.py ROISIM SOURCE_DIR WORK_DIR
"""
import errno
import hashlib
import os
import shutil
import stat
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from filecases import Corpus, temps  # noqa: E402

c = Corpus("files_race")
NOBODY = 65534


def digest(path):
    with open(path, "rb") as fp:
        return hashlib.sha256(fp.read()).hexdigest()


victim = os.path.join(c.work, "victim")
with open(victim, "w") as fp:
    fp.write("root-owned file outside the shared folder\n")
os.chmod(victim, 0o644)
victim_hash = digest(victim)


def done(proc, timeout=300):
    """Waits for a started run; its result as subprocess.run would give it."""
    import subprocess
    proc.wait(timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, b"", proc.stderr.read())


def start(d, args, trials="200"):
    import subprocess
    return subprocess.Popen([c.roisim, "run", "-q", "-n", trials, "--no-analysis"] + args,
                            cwd=d, env=c.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(pred, proc, timeout=240):
    end = time.time() + timeout
    while time.time() < end and proc.poll() is None:
        got = pred()
        if got:
            return got
        time.sleep(0.02)
    return None


def csv_temp(d, size=1 << 20):
    for n in os.listdir(d):
        p = os.path.join(d, n)
        if n.startswith(".roisim-") and os.path.isfile(p) and not os.path.islink(p) and \
                os.path.getsize(p) > size:
            return n
    return None


def private_dir(d):
    for n in os.listdir(d):
        if n.startswith(".roisim-") and os.path.isdir(os.path.join(d, n)):
            return n
    return None


# ---- an unprivileged attacker in a sticky shared folder ------------------------------------------

shared = c.folder("shared")
os.chmod(shared, 0o1777)
if os.geteuid() == 0:
    pid = os.fork()
    if pid == 0:  # the attacker
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            tries = wins = 0
            deadline = time.time() + 600
            while time.time() < deadline and not os.path.exists(os.path.join(shared, "stop")):
                try:
                    names = os.listdir(shared)
                except OSError:
                    continue
                for n in names:
                    p = os.path.join(shared, n)
                    try:
                        if not n.startswith(".roisim-") or os.lstat(p).st_uid == NOBODY:
                            continue
                    except OSError:
                        continue
                    # Into the private directory, or the entry itself away or gone.
                    for attack in (lambda: os.symlink(victim, os.path.join(p, "report")),
                                   lambda: os.rename(p, p + ".moved"),
                                   lambda: os.unlink(p)):
                        tries += 1
                        try:
                            attack()
                            wins += 1
                        except OSError:
                            pass
            with open(os.path.join(shared, "attacker.txt"), "w") as out:
                out.write("%d %d\n" % (tries, wins))
        finally:
            os._exit(0)
    runs, ok = 30, 0
    for i in range(runs):
        proc = start(shared, ["--xlsx", "r.xlsx", "--json", "r.json", "s.lua"])
        proc.wait(240)
        ok += proc.returncode == 0
    open(os.path.join(shared, "stop"), "w").close()
    os.waitpid(pid, 0)
    with open(os.path.join(shared, "attacker.txt")) as fp:
        tries, wins = (int(x) for x in fp.read().split())
    c.check("shared_folder_attacker: the victim never changed", digest(victim) == victim_hash)
    c.check("shared_folder_attacker: every attack on a temporary entry failed", wins == 0,
            "%d of %d attacks succeeded" % (wins, tries))
    c.check("shared_folder_attacker: every run wrote its reports", ok == runs,
            "%d of %d runs succeeded" % (ok, runs))
    c.check("shared_folder_attacker: the attacker saw the temporary entries", tries > 0)
    mine = [t for t in temps(shared) if os.lstat(t).st_uid != NOBODY]
    c.check("shared_folder_attacker: nothing left behind", not mine, str(mine))
    print("   (%d runs, %d attacks tried on their temporary entries)" % (runs, tries))
else:
    c.skip("shared_folder_attacker", "needs root to act as two users")

# ---- the private directory, as it is while queued ---------------------------------------------

d = c.folder("private_directory")
proc = start(d, ["--xlsx", "r.xlsx", "--trials-csv", "r.csv", "s.lua"], trials="100000")
priv = wait_for(lambda: private_dir(d) if csv_temp(d) else None, proc)
if priv:
    st = os.lstat(os.path.join(d, priv))
    c.check("private_directory: mode 0700, owned by the run's user",
            stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.geteuid(),
            "mode %o uid %d" % (stat.S_IMODE(st.st_mode), st.st_uid))
    c.check("private_directory: temporary names are short", all(
        len(n) <= 16 for n in os.listdir(d) if n.startswith(".roisim-")))
else:
    c.check("private_directory: seen while the CSV was written", False)
proc = done(proc)
c.expect("private_directory: run", proc, 0)

# ---- swaps during the run, done as the folder's owner could ------------------------------------

# The target folder replaced by a link elsewhere: the reports still go to the folder
# that was opened, nothing goes elsewhere.
base = c.folder("folder_swapped")
d = os.path.join(base, "reports")
os.makedirs(d)
elsewhere = os.path.join(base, "elsewhere")
os.makedirs(elsewhere)
shutil.copy(os.path.join(base, "s.lua"), os.path.join(d, "s.lua"))
proc = start(d, ["--xlsx", "r.xlsx", "--trials-csv", "r.csv", "s.lua"], trials="100000")
if wait_for(lambda: csv_temp(d), proc):
    os.rename(d, d + ".old")
    os.symlink(elsewhere, d)
proc = done(proc)
c.expect("folder_swapped: run", proc, 0)
c.check("folder_swapped: the reports are in the folder that was opened",
        os.path.isfile(d + ".old/r.csv") and os.path.isfile(d + ".old/r.xlsx"))
c.check("folder_swapped: nothing went elsewhere", os.listdir(elsewhere) == [],
        str(os.listdir(elsewhere)))

# The temporary file renamed away and a link to the victim put in its place (possible
# in a folder others may write without the sticky bit): noticed before the rename.
d = c.folder("temp_file_swapped")
proc = start(d, ["--trials-csv", "r.csv", "s.lua"], trials="100000")
tmp = wait_for(lambda: csv_temp(d), proc)
if tmp:
    os.rename(os.path.join(d, tmp), os.path.join(d, "stolen"))
    os.symlink(victim, os.path.join(d, tmp))
proc = done(proc)
c.expect("temp_file_swapped: refused", proc, 1, "replaced by someone else")
c.check("temp_file_swapped: the victim never changed", digest(victim) == victim_hash)
c.check("temp_file_swapped: no report", not os.path.lexists(os.path.join(d, "r.csv")))

# The private directory renamed away and an impostor put in its place, holding a link
# to the victim: the workbook is taken from the directory roisim made (by descriptor).
d = c.folder("private_directory_swapped")
proc = start(d, ["--xlsx", "r.xlsx", "--trials-csv", "r.csv", "s.lua"], trials="100000")
priv = wait_for(lambda: private_dir(d) if csv_temp(d) else None, proc)
if priv:
    os.rename(os.path.join(d, priv), os.path.join(d, "moved"))
    os.makedirs(os.path.join(d, priv))
    os.symlink(victim, os.path.join(d, priv, "report"))
proc = done(proc)
c.expect("private_directory_swapped: run", proc, 0)
c.check("private_directory_swapped: the victim never changed", digest(victim) == victim_hash)
with open(os.path.join(d, "r.xlsx"), "rb") as fp:
    c.check("private_directory_swapped: the workbook is roisim's", fp.read(2) == b"PK" and
            not os.path.islink(os.path.join(d, "r.xlsx")))

# The report's name replaced by a link to the victim while the run writes: the
# rename replaces the link, never the victim.
d = c.folder("report_name_linked_during_run")
proc = start(d, ["--xlsx", "r.xlsx", "--trials-csv", "r.csv", "s.lua"], trials="100000")
if wait_for(lambda: csv_temp(d), proc):
    os.symlink(victim, os.path.join(d, "r.csv"))
    os.symlink(victim, os.path.join(d, "r.xlsx"))
proc = done(proc)
c.expect("report_name_linked_during_run: run", proc, 0)
c.check("report_name_linked_during_run: the victim never changed", digest(victim) == victim_hash)
c.check("report_name_linked_during_run: the reports replaced the links",
        os.path.isfile(os.path.join(d, "r.csv")) and not os.path.islink(os.path.join(d, "r.csv"))
        and not os.path.islink(os.path.join(d, "r.xlsx")))

# ---- names near NAME_MAX ------------------------------------------------------------------------

d = c.folder("name_max")
names = ["j" * 250 + ".json", "x" * 250 + ".xlsx", "c" * 251 + ".csv"]
proc = start(d, ["--json", names[0], "--xlsx", names[1], "--trials-csv", names[2], "s.lua"])
proc = done(proc)
c.check("name_max: 255-byte report names are written", proc.returncode == 0 and
        all(os.path.isfile(os.path.join(d, n)) for n in names), proc.stderr.decode())
c.check("name_max: nothing left behind", not temps(d), str(temps(d)))
d = c.folder("name_too_long")
proc = start(d, ["--json", "j" * 256, "s.lua"])
proc = done(proc)
c.check("name_too_long: refused with the system's reason", proc.returncode == 1 and
        os.strerror(errno.ENAMETOOLONG).encode() in proc.stderr, proc.stderr.decode())

c.finish(minimum=20)
