#!/bin/sh
# Installs what the hardening steps need (clang + libFuzzer runtime, libomp for clang,
# valgrind), when missing; same rules as tools/deps.sh, which does the work.
exec sh "$(dirname "$0")/../tools/deps.sh" clang-14 libclang-rt-14-dev libomp-14-dev valgrind
