#!/bin/sh
# roisim-mpi over 1, 2, 3 and 4 local ranks (x 1 and 2 threads) writes the bytes
# roisim writes: the JSON, the workbook with --reproducible and the trials CSV, with a
# goal seek, a sweep, --precision and LHS. An error on any rank reaches the user once,
# every rank exits with the same status, and no report is written.
# Usage: identical.sh ROISIM ROISIM_MPI MPIEXEC SOURCE_DIR WORK_DIR
set -u
roisim=$1 mpi=$2 mpiexec=$3 src=$4 work=$5
here=$src/tests/mpi
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ranks() { n=$1; shift; sh "$here/mpirun.sh" "$mpiexec" -n "$n" "$mpi" "$@"; }

# Each case: its name, the "RANKS THREADS" pairs to try, then the arguments after
# `run`. Each run writes its reports under the same names in its own folder (the
# workbook records the command line).
ALL="1,1 2,1 3,1 4,1 1,2 2,2 3,2 4,2"
SOME="1,1 2,1 3,1 4,1 2,2 3,2"
check_case() {
    name=$1 specs=$2; shift 2
    rm -rf one && mkdir one
    (cd one && "$roisim" run "$@" --quiet --reproducible --json r.json --xlsx r.xlsx \
        --trials-csv r.csv) || { fail "$name: roisim failed"; return; }
    for spec in $specs; do
        n=${spec%,*} t=${spec#*,}
        rm -rf got && mkdir got
        (cd got && ranks "$n" run "$@" --threads "$t" --quiet --reproducible --json r.json \
            --xlsx r.xlsx --trials-csv r.csv) || { fail "$name: $n ranks failed"; continue; }
        for f in r.json r.xlsx r.csv; do
            cmp -s "one/$f" "got/$f" || fail "$name: $n ranks x $t threads: $f differs"
        done
    done
    [ "$fails" = 0 ] && echo "ok: $name"
}

check_case "base and bull, goal seek" "$ALL" -n 6000 --seed 17 "$src/scenarios/base.lua" \
    "$src/scenarios/bull.lua"
check_case "sweep, LHS" "$SOME" -n 3000 --sampling lhs "$here/sweep.lua"
check_case "precision" "$SOME" -n 2000 --precision 0.05 --max-trials 30000 --no-analysis \
    "$src/scenarios/bear.lua"

# A failing trial on the last rank: the single process's message, once; no report.
"$roisim" run -n 12288 --seed 10 --quiet --json e1.json "$here/rare_overflow.lua" \
    2>one.err; want=$?
ranks 3 run -n 12288 --seed 10 --quiet --json e3.json "$here/rare_overflow.lua" \
    >/dev/null 2>three.err; got=$?
[ "$want" = 1 ] && [ "$got" = 1 ] || fail "failing trial: exit $want and $got, want 1"
grep "^roisim:" three.err >three.msg
cmp -s one.err three.msg || { fail "failing trial: message differs"; cat one.err three.err; }
[ -e e3.json ] && fail "failing trial: a report was written"

# A file only one rank cannot read (as on a machine without it): every rank stops with
# that rank's message, once, and exit status 1 (an MPMD launch gives rank 1 its own
# command line).
sh "$here/mpirun.sh" "$mpiexec" -n 1 "$mpi" run -n 3000 --quiet --json e4.json \
    "$src/scenarios/base.lua" : -n 1 "$mpi" run -n 3000 --quiet --json e4.json \
    "$work/missing/base.lua" : -n 1 "$mpi" run -n 3000 --quiet --json e4.json \
    "$src/scenarios/base.lua" >/dev/null 2>local.err; got=$?
[ "$got" = 1 ] || fail "one rank's error: exit $got, want 1"
[ "$(grep -c '^roisim:' local.err)" = 1 ] || { fail "one rank's error: not said once"; cat local.err; }
grep -q "^roisim: rank 1: .*missing/base.lua" local.err || { fail "one rank's error: no rank"; cat local.err; }
[ -e e4.json ] && fail "one rank's error: a report was written"

# Rank 1 reads other bytes (a stale copy on its machine): refused before the run.
mkdir -p stale && sed 's/score = 52/score = 53/' "$src/scenarios/base.lua" >stale/base.lua
sh "$here/mpirun.sh" "$mpiexec" -n 1 "$mpi" run -n 3000 --quiet --json e5.json \
    "$src/scenarios/base.lua" : -n 1 "$mpi" run -n 3000 --quiet --json e5.json \
    stale/base.lua >/dev/null 2>stale.err; got=$?
[ "$got" = 1 ] || fail "stale file: exit $got, want 1"
grep -q "^roisim: rank 1 read other bytes than rank 0" stale.err ||
    { fail "stale file: not refused"; cat stale.err; }
[ -e e5.json ] && fail "stale file: a report was written"

# Usage errors are the same everywhere: said once, status 2.
ranks 2 run -n 0 >/dev/null 2>usage.err; got=$?
[ "$got" = 2 ] && [ "$(grep -c '^roisim:' usage.err)" = 1 ] || { fail "usage: exit $got"; cat usage.err; }

[ "$fails" = 0 ] && echo "mpi: all identical" && exit 0
exit 1
