#!/usr/bin/env python3
"""files_fulldisk.py - a full disk or device is an error that says so (docs/safety.md:
full-disk messages, and a summary written to a full device is a failure).

/dev/full stands for a full device (every write fails with ENOSPC); a 16 KB tmpfs
(root only; skipped, and said, where it cannot be mounted) for a full disk. Every
case must exit 1 and say "No space left on device" when roisim itself saw the error
(a stream roisim flushes itself), or at least "cannot write to standard output".

Usage: python3 files_fulldisk.py ROISIM SOURCE_DIR WORK_DIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from filecases import Corpus, can_mount_tmpfs, temps, umount  # noqa: E402

c = Corpus("files_fulldisk")
ENOSPC = "no space left on device"


def to_full(name, args, message, extra=True, stderr_full=False):
    d = c.folder(name)
    with open("/dev/full", "wb") as full:
        if stderr_full:
            import subprocess
            proc = subprocess.run([c.roisim] + args, cwd=d, env=c.env, stdout=subprocess.PIPE,
                                  stderr=full, timeout=300)
            c.check(name + ": exit status 1", proc.returncode == 1,
                    "exit status %d" % proc.returncode)
            c.check(name + ": nothing on standard output", proc.stdout == b"")
            return
        proc = c.run(args, d, stdout=full, extra=extra)
    c.expect(name, proc, 1, message)
    c.check(name + ": no temporary file", not temps(d), str(temps(d)))


# Streams roisim writes through: it sees the real errno.
to_full("summary_to_dev_full", ["run", "-n", "200", "--no-analysis", "s.lua"],
        "cannot write the summary to standard output: " + ENOSPC, extra=False)
to_full("json_stdout_to_dev_full", ["--json", "-", "s.lua"], ENOSPC)
to_full("json_file_is_dev_full", ["--json", "/dev/full", "s.lua"], ENOSPC)
to_full("csv_file_is_dev_full", ["--trials-csv", "/dev/full", "s.lua"], ENOSPC)
to_full("xlsx_file_is_dev_full", ["--xlsx", "/dev/full", "s.lua"], ENOSPC)
to_full("csv_dev_stdout_to_dev_full", ["--trials-csv", "/dev/stdout", "s.lua"], ENOSPC)
# The other commands print through stdio: the failure is found when standard output
# is closed, and exits 1 (not 0, as it did).
to_full("check_to_dev_full", ["check", "s.lua"], "cannot write to standard output", extra=False)
to_full("list_to_dev_full", ["list"], "cannot write to standard output", extra=False)
to_full("help_to_dev_full", ["--help"], "cannot write to standard output", extra=False)
to_full("version_to_dev_full", ["--version"], "cannot write to standard output", extra=False)
# With --json - the summary goes to standard error; a full standard error is an error too.
to_full("summary_to_full_stderr", ["run", "-n", "200", "--no-analysis", "--json", "-", "s.lua"],
        None, stderr_full=True)

full = os.path.join(c.work, "full")
if can_mount_tmpfs(full, size="16k"):
    try:
        for name, option in [("json_on_a_full_disk", "--json"),
                             ("csv_on_a_full_disk", "--trials-csv"),
                             ("xlsx_on_a_full_disk", "--xlsx")]:
            d = c.folder(name)
            proc = c.run([option, os.path.join(full, "r"), "s.lua"], d, trials=2000)
            c.expect(name, proc, 1, ENOSPC)
            c.check(name + ": the disk holds nothing", os.listdir(full) == [],
                    str(os.listdir(full)))
    finally:
        umount(full)
else:
    c.skip("*_on_a_full_disk", "cannot mount a tmpfs here (not root, or not allowed)")

c.finish(minimum=20)
