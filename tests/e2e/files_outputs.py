#!/usr/bin/env python3
"""files_outputs.py - no report over an input or another report; special files
(issue 14, "Never overwrite an input" and "Special files"; docs/safety.md, Files).

Refused cases must exit 2 with their message before the run and leave every file of
their folder as it was (contents, types and links); allowed cases must write through
a character device or FIFO without replacing it.

Usage: python3 files_outputs.py ROISIM SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from filecases import Corpus, snapshot, temps  # noqa: E402

c = Corpus("files_outputs")


def refused(name, args, message, setup=None, stdout_to=None):
    """A case that must be refused with exit 2 and change nothing in its folder."""
    d = c.folder(name)
    if setup:
        setup(d)
    before = snapshot(d)
    if stdout_to:
        with open(os.path.join(d, stdout_to), "ab") as out:
            proc = c.run(args, d, stdout=out)
    else:
        proc = c.run(args, d)
    c.expect(name, proc, 2, message)
    after = snapshot(d)
    c.check(name + ": folder unchanged", before == after,
            "changed: %s" % sorted(k for k in set(before) | set(after)
                                   if before.get(k) != after.get(k)))


def mode_of(path):
    return stat.S_IFMT(os.lstat(path).st_mode)


# ---- never overwrite an input --------------------------------------------------------------

refused("json_is_the_scenario", ["--json", "s.lua", "s.lua"], "is the scenario file")
refused("xlsx_is_the_scenario_dotslash", ["--xlsx", "./s.lua", "s.lua"], "is the scenario file")
refused("csv_is_the_scenario_other_spelling", ["--trials-csv", "../csv_is_the_scenario_other_spelling/s.lua",
                                               "s.lua"], "is the scenario file")
refused("json_is_a_hard_link_to_the_scenario", ["--json", "h.lua", "s.lua"],
        "is the scenario file", setup=lambda d: os.link(os.path.join(d, "s.lua"),
                                                         os.path.join(d, "h.lua")))
refused("xlsx_is_a_symlink_to_the_scenario", ["--xlsx", "l.lua", "s.lua"],
        "is the scenario file", setup=lambda d: os.symlink("s.lua", os.path.join(d, "l.lua")))
refused("json_stdout_appends_to_the_scenario", ["--json", "-", "s.lua"], "is the scenario file",
        stdout_to="s.lua")
refused("csv_dev_stdout_appends_to_the_scenario", ["--trials-csv", "/dev/stdout", "s.lua"],
        "is the scenario file", stdout_to="s.lua")


def second_scenario(d):
    shutil.copy(os.path.join(d, "s.lua"), os.path.join(d, "t.lua"))


refused("json_is_the_second_scenario", ["s.lua", "t.lua", "--json", "t.lua"],
        "is the scenario file", setup=second_scenario)
refused("two_reports_one_new_file", ["--json", "r.out", "--xlsx", "./r.out", "s.lua"],
        "are the same file")


def existing_report(d):
    os.makedirs(os.path.join(d, "sub"))
    with open(os.path.join(d, "r.json"), "w") as fp:
        fp.write('{"earlier": true}\n')


refused("two_reports_one_file_two_spellings", ["--json", "r.json", "--trials-csv",
                                               "sub/../r.json", "s.lua"],
        "are the same file", setup=existing_report)


def hard_linked_reports(d):
    existing_report(d)
    os.link(os.path.join(d, "r.json"), os.path.join(d, "r2.json"))


refused("two_reports_hard_linked", ["--json", "r.json", "--xlsx", "r2.json", "s.lua"],
        "are the same file", setup=hard_linked_reports)

# A parent named by extends is an input too. The loader's list of every file it read
# (roi_model.sources) is being added by another branch; until main.c passes it
# (the TODO in cmd_run), this case is expected to fail and is reported, not counted.
d = c.folder("csv_is_the_extended_parent")
shutil.copy(os.path.join(c.src, "scenarios", "base.lua"), os.path.join(d, "base.lua"))
before = snapshot(d)
proc = c.run(["--trials-csv", "base.lua", "s.lua"], d)
if proc.returncode == 2 and b"is the scenario file" in proc.stderr and snapshot(d) == before:
    c.check("csv_is_the_extended_parent", True)
else:
    print("XFAIL: csv_is_the_extended_parent: the parent was not refused (waiting for "
          "roi_model.sources; see the TODO in cli/main.c)")

d = c.folder("streams_may_repeat")
proc = c.run(["--json", "/dev/null", "--trials-csv", "/dev/null", "--xlsx", "/dev/null",
              "s.lua"], d)
c.expect("streams_may_repeat", proc, 0)
c.check("streams_may_repeat: /dev/null is still a character device",
        stat.S_ISCHR(os.stat("/dev/null").st_mode))

# ---- special files ----------------------------------------------------------------------------

d = c.folder("char_device_copy")
node = os.path.join(d, "null")
try:
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    proc = c.run(["--json", "null", "--xlsx", "null", "s.lua"], d)
    c.expect("char_device_copy: written through", proc, 0)
    c.check("char_device_copy: still a character device", mode_of(node) == stat.S_IFCHR)
    c.check("char_device_copy: no temporary file", not temps(d), str(temps(d)))
except PermissionError:
    c.skip("char_device_copy", "mknod is not allowed here")


def fifo_case(name, option, check_bytes):
    d = c.folder(name)
    fifo = os.path.join(d, "pipe")
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo, "rb") as fp:
            got["data"] = fp.read()
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    proc = c.run([option, "pipe", "s.lua"], d)
    t.join(60)
    c.expect(name + ": written through", proc, 0)
    c.check(name + ": the reader got the report", check_bytes(got.get("data", b"")))
    c.check(name + ": still a FIFO", mode_of(fifo) == stat.S_IFIFO)


def is_json(b):
    try:
        json.loads(b.decode("utf-8"))
        return True
    except ValueError:
        return False


fifo_case("fifo_with_reader_json", "--json", is_json)
fifo_case("fifo_with_reader_xlsx", "--xlsx", lambda b: b[:2] == b"PK" and len(b) > 1000)

d = c.folder("fifo_without_reader")
os.mkfifo(os.path.join(d, "pipe"))
proc = c.run(["--json", "pipe", "s.lua"], d, timeout=60)
c.expect("fifo_without_reader", proc, 1, "no program is reading")
c.check("fifo_without_reader: still a FIFO", mode_of(os.path.join(d, "pipe")) == stat.S_IFIFO)
c.check("fifo_without_reader: no temporary file", not temps(d), str(temps(d)))


def link_to_file(d):
    with open(os.path.join(d, "target.json"), "w") as fp:
        fp.write("precious\n")
    os.symlink("target.json", os.path.join(d, "r.json"))


refused("symlink_to_a_file", ["--json", "r.json", "s.lua"], "symbolic link", setup=link_to_file)
refused("symlink_to_a_file_outside", ["--xlsx", "r.xlsx", "s.lua"], "symbolic link",
        setup=lambda d: os.symlink("/etc/hostname", os.path.join(d, "r.xlsx")))
refused("dangling_symlink", ["--trials-csv", "r.csv", "s.lua"], "symbolic link to a missing",
        setup=lambda d: os.symlink("nowhere/r.csv", os.path.join(d, "r.csv")))
refused("symlink_to_a_directory", ["--json", "r", "s.lua"], "symbolic link",
        setup=lambda d: (os.makedirs(os.path.join(d, "dir")),
                         os.symlink("dir", os.path.join(d, "r"))))
refused("directory", ["--json", "dir", "s.lua"], "is a directory",
        setup=lambda d: os.makedirs(os.path.join(d, "dir")))
refused("trailing_slash", ["--xlsx", "sub/", "s.lua"], "names a directory",
        setup=lambda d: os.makedirs(os.path.join(d, "sub")))


def make_socket(d):
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(d, "sock"))
    s.close()


refused("socket", ["--json", "sock", "s.lua"], "socket", setup=make_socket)

try:
    probe = os.path.join(c.work, "blk-probe")
    os.mknod(probe, 0o600 | stat.S_IFBLK, os.makedev(7, 250))
    os.unlink(probe)
    refused("block_device", ["--trials-csv", "blk", "s.lua"], "block device",
            setup=lambda d: os.mknod(os.path.join(d, "blk"), 0o600 | stat.S_IFBLK,
                                     os.makedev(7, 250)))
except PermissionError:
    c.skip("block_device", "mknod is not allowed here")

d = c.folder("symlink_to_dev_null")
os.symlink("/dev/null", os.path.join(d, "r.json"))
proc = c.run(["--json", "r.json", "s.lua"], d)
c.expect("symlink_to_dev_null: written through", proc, 0)
c.check("symlink_to_dev_null: the link is unchanged",
        os.readlink(os.path.join(d, "r.json")) == "/dev/null")

d = c.folder("dev_stdout_to_a_pipe")
proc = c.run(["--json", "/dev/stdout", "s.lua"], d)
c.expect("dev_stdout_to_a_pipe", proc, 0)
c.check("dev_stdout_to_a_pipe: the JSON came out", is_json(proc.stdout))

d = c.folder("dev_stdout_to_a_file")
with open(os.path.join(d, "out.csv"), "wb") as out:
    proc = c.run(["--trials-csv", "/dev/stdout", "s.lua"], d, stdout=out)
c.expect("dev_stdout_to_a_file", proc, 0)
with open(os.path.join(d, "out.csv")) as fp:
    lines = fp.read().splitlines()
c.check("dev_stdout_to_a_file: header and 200 rows", len(lines) == 201 and
        lines[0].startswith("scenario,trial,"), "%d lines" % len(lines))

c.finish(minimum=30)
