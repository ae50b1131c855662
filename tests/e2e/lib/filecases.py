"""filecases.py - shared by the tests/e2e/files_*.py corpora (docs/safety.md, "Files").

Each corpus is a list of cases; a case runs roisim in a fresh folder and checks its
exit status, a substring of its message, and what happened to the files around it.
This module holds the plumbing: the work folder, a small scenario, running roisim,
snapshots of a folder (to prove nothing else changed) and the verdict.
"""
import hashlib
import os
import shutil
import stat
import subprocess
import sys

# A scenario small enough to run in a fraction of a second; it extends the bundled
# base case, so ROISIM_SCENARIOS must point at the source tree's scenarios.
SCENARIO = 'scenario { title = "files test", extends = "base" }\nv2.score = normal(57, 2)\n'


class Corpus:
    def __init__(self, title):
        if len(sys.argv) != 4:
            print("usage: %s roisim-binary source-dir work-dir" % sys.argv[0], file=sys.stderr)
            sys.exit(2)
        self.roisim, self.src, self.work = (os.path.abspath(a) for a in sys.argv[1:])
        self.title = title
        self.failures = []
        self.count = 0
        self.skipped = []
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.env = dict(os.environ)
        self.env["ROISIM_SCENARIOS"] = os.path.join(self.src, "scenarios")
        self.env.pop("TMPDIR", None)

    def folder(self, name):
        """A fresh folder for one case, holding s.lua (the scenario)."""
        d = os.path.join(self.work, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        with open(os.path.join(d, "s.lua"), "w") as fp:
            fp.write(SCENARIO)
        return d

    def run(self, args, cwd, trials=200, stdout=subprocess.PIPE, timeout=300, extra=True):
        """Runs 'roisim run -q -n TRIALS --no-analysis ARGS' (extra=False: just ARGS)."""
        full = [self.roisim] + (["run", "-q", "-n", str(trials), "--no-analysis"] if extra
                                else []) + list(args)
        return subprocess.run(full, cwd=cwd, env=self.env, stdout=stdout,
                              stderr=subprocess.PIPE, timeout=timeout)

    def check(self, name, ok, detail=""):
        self.count += 1
        if ok:
            print("ok: %s" % name)
        else:
            self.failures.append(name)
            print("FAIL: %s%s" % (name, (": " + detail) if detail else ""), file=sys.stderr)

    def expect(self, name, proc, status, message=None):
        """The exit status (never a signal unless status < 0) and a message substring
        (case-insensitive) on stderr."""
        err = proc.stderr.decode("utf-8", "replace")
        problems = []
        if proc.returncode != status:
            problems.append("exit status %d, expected %d" % (proc.returncode, status))
        if message and message.lower() not in err.lower():
            problems.append("stderr lacks %r" % message)
        self.check(name, not problems, "; ".join(problems) + ("\n    stderr: " + err.strip()
                                                                if problems else ""))
        return not problems

    def skip(self, name, why):
        self.skipped.append(name)
        print("skip: %s (%s)" % (name, why))

    def finish(self, minimum):
        if self.count < minimum:
            self.failures.append("only %d cases, expected at least %d" % (self.count, minimum))
            print("FAIL: only %d cases" % self.count, file=sys.stderr)
        if self.failures:
            print("%s: %d of %d case(s) failed" % (self.title, len(self.failures), self.count),
                  file=sys.stderr)
            sys.exit(1)
        print("%s: all %d cases passed%s" % (self.title, self.count,
                                            " (%d skipped)" % len(self.skipped)
                                            if self.skipped else ""))
        sys.exit(0)


def snapshot(folder):
    """name -> (type, SHA-256 of the bytes or the link's target) for every entry,
    recursively, without following links."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for n in dirs + files:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, folder)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fp:
                    out[rel] = ("file", hashlib.sha256(fp.read()).hexdigest())
            else:
                out[rel] = (stat.S_IFMT(st.st_mode), None)
    return out


def temps(folder):
    """Temporary report files or folders left anywhere under folder."""
    left = []
    for root, dirs, files in os.walk(folder):
        left += [os.path.join(root, n) for n in dirs + files if n.startswith(".roisim-")]
    return left


def can_mount_tmpfs(path, size="64k"):
    """Mounts a small tmpfs at path (root only); False when this system does not allow
    it."""
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0:
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def umount(path):
    subprocess.run(["umount", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
