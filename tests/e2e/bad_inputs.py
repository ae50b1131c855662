#!/usr/bin/env python3
"""bad_inputs.py - the bad scenarios and command lines of tests/bad: each must fail with its message.

Usage: python3 bad_inputs.py ROISIM_BINARY SOURCE_DIR WORK_DIR
"""
import os
import subprocess
import sys

roisim, src, work = sys.argv[1:4]
sys.exit(subprocess.call([sys.executable, os.path.join(src, "tests", "bad", "run.py"),
                          roisim, os.path.join(src, "tests", "bad"), work]))
