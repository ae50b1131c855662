"""harness.py - the set-up every end-to-end script shares: its three arguments
(roisim-binary source-dir work-dir), the list of failed checks, running roisim with a
check on its exit status, and the script's own exit status."""
import os
import subprocess
import sys


class Harness:
    def __init__(self, name):
        if len(sys.argv) != 4:
            print("usage: %s roisim-binary source-dir work-dir" % sys.argv[0], file=sys.stderr)
            sys.exit(2)
        self.name = name
        self.roisim = os.path.abspath(sys.argv[1])
        self.src, self.work = sys.argv[2], sys.argv[3]
        os.makedirs(self.work, exist_ok=True)
        self.failures = []

    def check(self, cond, what):
        """Records what as a failure unless cond holds; returns cond."""
        if not cond:
            self.failures.append(what)
            print("FAIL:", what)
        return cond

    def roisim_cmd(self, *args, code=0, cwd=None):
        """Runs roisim with args in cwd (the source folder by default) and checks that it
        exits with code (any status when code is None); the finished process."""
        p = subprocess.run([self.roisim, *args], cwd=cwd or self.src,
                           capture_output=True, text=True)
        if code is not None:
            if p.returncode != code:
                print(p.stdout, p.stderr)
            self.check(p.returncode == code, "roisim %s exits %d (got %d)"
                       % (" ".join(args), code, p.returncode))
        return p

    def finish(self):
        """Exits 1 if any check failed, 0 otherwise, saying which."""
        if self.failures:
            print("%s: %d check(s) failed" % (self.name, len(self.failures)))
            sys.exit(1)
        print("%s: all checks passed" % self.name)
        sys.exit(0)
