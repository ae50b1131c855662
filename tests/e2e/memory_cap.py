"""End-to-end: the memory cap (--max-memory). A command whose estimated peak exceeds
the cap is refused before anything runs or is written, naming the estimate; the
estimate grows with the trials; and it bounds what the process really holds: the peak
resident size of a run of every bundled scenario (runs, goal seeks, analysis,
decisions, reports) is at most the estimate plus the resident size of the same command
at 1,024 trials (the program, its libraries and the loaded scenarios). Under a
sanitizer build (ROI_SANITIZED set) that last bound is left out.

Arguments: roisim-binary source-dir work-dir."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Harness  # noqa: E402

h = Harness("memory_cap")
check, work = h.check, h.work


def estimate(*args):
    """The estimate in MB the cap's refusal names."""
    p = h.roisim_cmd("run", *args, "--max-memory", "1", "-q", code=2)
    m = re.search(r"need about (\d+) MB, above the cap of 1 MB", p.stderr)
    check(m is not None, "the refusal names the estimate: %s" % p.stderr.strip())
    return int(m.group(1)) if m else 0


def peak_rss_mb(*args):
    """The peak resident size in MB of roisim run args, exit status checked."""
    p = subprocess.Popen([h.roisim, "run", *args], cwd=h.src,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    check(p.returncode == 0, "roisim run %s exits 0: %s" % (" ".join(args), err.strip()))
    return usage.ru_maxrss / 1024.0  # KB on Linux


out = os.path.join(work, "refused.json")
p = h.roisim_cmd("run", "scenarios/base.lua", "-n", "100000", "--max-memory", "1",
                 "--json", out, code=2)
check("raise --max-memory" in p.stderr, "the refusal says what to do: " + p.stderr.strip())
check(not os.path.exists(out), "nothing is written when the cap refuses")

small, large = estimate("-n", "100000", "--threads", "2"), estimate("-n", "200000", "--threads", "2")
check(large > small > 0, "the estimate grows with the trials: %d MB, %d MB" % (small, large))
check(estimate("-n", "200000", "--threads", "2", "--no-analysis") <= large,
      "--no-analysis does not need more")

if os.environ.get("ROI_SANITIZED"):
    # AddressSanitizer's shadow memory and quarantine are not roisim's memory: the
    # bound on the resident size is checked in the plain build only.
    print("sanitizer build: the resident-size bound is not checked")
    h.finish()

json_out = os.path.join(work, "all.json")
base_rss = peak_rss_mb("-n", "1024", "--threads", "2", "-q", "--json", json_out)
rss = peak_rss_mb("-n", "200000", "--threads", "2", "-q", "--json", json_out)
check(rss <= large + base_rss,
      "peak RSS %.1f MB <= estimate %d MB + the program's %.1f MB" % (rss, large, base_rss))
print("estimate %d MB, peak RSS %.1f MB, program %.1f MB" % (large, rss, base_rss))

h.finish()
