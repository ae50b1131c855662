#!/usr/bin/env python3
"""files_batch.py - all reports of a run or none ("All or nothing", docs/safety.md).

Every case asks for several reports where one of them cannot be written (a full
disk, a full device, a limit of Excel's, a missing folder, a FIFO nobody reads, the
file size limit) and checks that the earlier reports named by the same run are
byte for byte what they were, and that no temporary file is left anywhere. A small
tmpfs (mount -t tmpfs -o size=16k, root only) plays the full disk; without it those
cases are skipped and say so.

Usage: python3 files_batch.py ROISIM SOURCE_DIR WORK_DIR
"""
import os
import resource
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from filecases import Corpus, can_mount_tmpfs, snapshot, temps, umount  # noqa: E402

c = Corpus("files_batch")
EARLIER = {"ok.json": b'{"earlier": true}\n', "ok.xlsx": b"PK earlier workbook\n",
           "ok.csv": b"earlier,csv\n"}


def folder(name, scenario=None):
    d = c.folder(name)
    for n, data in EARLIER.items():
        with open(os.path.join(d, n), "wb") as fp:
            fp.write(data)
    if scenario:
        with open(os.path.join(d, "s.lua"), "w") as fp:
            fp.write(scenario)
    return d


def none_replaced(name, d, proc, status, message, also=()):
    """The run failed as expected, the earlier reports are intact and nothing is
    left behind (in d and in the folders of `also`)."""
    c.expect(name, proc, status, message)
    for n, data in EARLIER.items():
        with open(os.path.join(d, n), "rb") as fp:
            if fp.read() != data:
                c.check(name + ": earlier " + n + " untouched", False, "it was replaced")
                return
    c.check(name + ": earlier reports untouched", True)
    left = temps(d) + [t for a in also for t in temps(a)]
    c.check(name + ": no temporary file", not left, str(left))


# ---- positive control: all three replaced, nothing left ------------------------------------

d = folder("all_succeed")
proc = c.run(["--json", "ok.json", "--xlsx", "ok.xlsx", "--trials-csv", "ok.csv", "s.lua"], d)
c.expect("all_succeed", proc, 0)
c.check("all_succeed: every report replaced",
        all(open(os.path.join(d, n), "rb").read() != data for n, data in EARLIER.items()))
c.check("all_succeed: no temporary file", not temps(d), str(temps(d)))

# ---- a full disk, as a small tmpfs ------------------------------------------------------------

full = os.path.join(c.work, "full")
if can_mount_tmpfs(full, size="16k"):
    try:
        for name, args in [
                ("full_disk_workbook_after_json", ["--json", "ok.json", "--xlsx", full + "/r.xlsx"]),
                ("full_disk_csv_after_workbook", ["--xlsx", "ok.xlsx", "--trials-csv", full + "/r.csv"]),
                ("full_disk_json_after_two", ["--xlsx", "ok.xlsx", "--trials-csv", "ok.csv",
                                              "--json", full + "/r.json"]),
                ("full_disk_csv_third", ["--xlsx", "ok.xlsx", "--json", "ok.json",
                                         "--trials-csv", full + "/r.csv"])]:
            d = folder(name)
            proc = c.run(args + ["s.lua"], d, trials=2000)
            none_replaced(name, d, proc, 1, "no space left on device", also=[full])
            c.check(name + ": the full disk holds nothing", os.listdir(full) == [],
                    str(os.listdir(full)))
    finally:
        umount(full)
else:
    c.skip("full_disk_*", "cannot mount a tmpfs here (not root, or not allowed)")

# ---- a full device, a FIFO nobody reads, a missing folder ---------------------------------------

d = folder("full_device_after_json")
proc = c.run(["--json", "ok.json", "--trials-csv", "/dev/full", "s.lua"], d)
none_replaced("full_device_after_json", d, proc, 1, "no space left on device")

d = folder("full_device_stdout_after_workbook")
with open("/dev/full", "wb") as out:
    proc = c.run(["--xlsx", "ok.xlsx", "--json", "-", "s.lua"], d, stdout=out)
none_replaced("full_device_stdout_after_workbook", d, proc, 1, "no space left on device")

d = folder("fifo_without_reader_after_json")
os.mkfifo(os.path.join(d, "pipe"))
proc = c.run(["--json", "ok.json", "--trials-csv", "pipe", "s.lua"], d, timeout=60)
none_replaced("fifo_without_reader_after_json", d, proc, 1, "no program is reading")

d = folder("missing_folder_after_json")
proc = c.run(["--json", "ok.json", "--xlsx", "nodir/r.xlsx", "s.lua"], d)
none_replaced("missing_folder_after_json", d, proc, 1, "there is no folder")

# ---- Excel's limits, found before anything is written -----------------------------------------

long_title = ('scenario { title = string.rep("t", 40000), extends = "base" }\n')
d = folder("title_longer_than_a_cell", long_title)
proc = c.run(["--json", "ok.json", "--trials-csv", "ok.csv", "--xlsx", "r.xlsx", "s.lua"], d)
none_replaced("title_longer_than_a_cell", d, proc, 1, "an Excel cell holds at most 32767")
c.check("title_longer_than_a_cell: no workbook", not os.path.exists(os.path.join(d, "r.xlsx")))

long_input = ('scenario { title = "long input name", extends = "base" }\n'
              'quality.beta = uniform(0.02, 0.06):named(string.rep("n", 33000))\n')
d = folder("input_name_longer_than_a_cell", long_input)
proc = c.run(["--json", "ok.json", "--xlsx", "r.xlsx", "s.lua"], d)
none_replaced("input_name_longer_than_a_cell", d, proc, 1, "name of an input")

astral = ('scenario { title = string.rep("\\u{1F600}", 20000), extends = "base" }\n')
d = folder("title_of_astral_characters", astral)
proc = c.run(["--json", "ok.json", "--xlsx", "r.xlsx", "s.lua"], d)
# 20000 characters, 40000 UTF-16 units: beyond what Excel counts as 32767.
none_replaced("title_of_astral_characters", d, proc, 1, "an Excel cell holds at most")

# ---- the file size limit (EFBIG when SIGXFSZ is ignored) ---------------------------------------


def small_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200000, resource.RLIM_INFINITY))


d = folder("file_size_limit_csv_after_json")
import subprocess  # noqa: E402
proc = subprocess.run([c.roisim, "run", "-q", "-n", "3000", "--no-analysis", "--json", "ok.json",
                       "--trials-csv", "big.csv", "s.lua"], cwd=d, env=c.env,
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=small_files,
                      timeout=300)
none_replaced("file_size_limit_csv_after_json", d, proc, 1, "file too large")
c.check("file_size_limit_csv_after_json: no CSV", not os.path.exists(os.path.join(d, "big.csv")))

c.finish(minimum=20)
