#!/bin/sh
# run.sh - runs every escape or exhaustion attempt in this folder and checks that it
# fails with its own message and touches nothing outside.
# Usage: sh run.sh ROISIM_BINARY CORPUS_DIR WORK_DIR
#
# Each case is a .lua file whose header says what must happen:
#   -- expect: SUBSTRING   the error message must contain it (required; files without
#                          it are helpers, e.g. the parents that cases extend)
#   -- args: ARGS          extra options for `roisim check` (e.g. --time-limit 1)
#   -- exit: N             expected exit status (default 1)
# The run happens in WORK_DIR with a sentinel file there; afterwards stdout must be
# empty (print goes to stderr), no file may have appeared or changed, and the
# corpus itself must be unchanged.
roisim=$1
corpus=$2
work=$3
if [ -z "$roisim" ] || [ -z "$corpus" ] || [ -z "$work" ]; then
    echo "usage: $0 roisim-binary corpus-dir work-dir" >&2
    exit 2
fi
rm -rf "$work" && mkdir -p "$work/cwd" || exit 1
corpus=$(cd "$corpus" && pwd)
echo "sentinel" >"$work/cwd/SENTINEL"
# Names, sizes and times of the folder's files, the folder's own time (a file created
# and removed changes it), and the sentinel's content.
snapshot() { (cd "$1" && ls -lA --time-style=+%s . | sed 1d; stat -c %Y .; cat SENTINEL 2>/dev/null) ; }
before=$(snapshot "$work/cwd")
corpus_before=$(cd "$corpus" && cksum ./* 2>/dev/null)
failures=0
count=0
for file in "$corpus"/*.lua; do
    expect=$(sed -n 's/^-- expect: //p' "$file" | head -n 1)
    [ -n "$expect" ] || continue
    args=$(sed -n 's/^-- args: //p' "$file" | head -n 1)
    want=$(sed -n 's/^-- exit: //p' "$file" | head -n 1)
    want=${want:-1}
    name=$(basename "$file")
    count=$((count + 1))
    # shellcheck disable=SC2086 # args are words on purpose
    # A case that hangs fails instead of hanging the suite (120 s: far above any limit).
    (cd "$work/cwd" && timeout 120 "$roisim" check --quiet $args "$file" >"$work/out" 2>"$work/err")
    got=$?
    ok=1
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $name: exit status $got, expected $want" >&2; ok=0
    fi
    if ! grep -qF -- "$expect" "$work/err"; then
        echo "FAIL: $name: message lacks '$expect'" >&2; ok=0
    fi
    if [ -s "$work/out" ]; then
        echo "FAIL: $name: wrote to standard output" >&2; ok=0
    fi
    if [ "$(snapshot "$work/cwd")" != "$before" ]; then
        echo "FAIL: $name: the working directory changed" >&2; ok=0
    fi
    if [ $ok -eq 1 ]; then
        echo "ok: $name: $(head -c 200 "$work/err")"
    else
        sed 's/^/    stderr: /' "$work/err" >&2
        failures=$((failures + 1))
    fi
done
if [ "$(cd "$corpus" && cksum ./* 2>/dev/null)" != "$corpus_before" ]; then
    echo "FAIL: a file of the corpus changed" >&2
    failures=$((failures + 1))
fi
if [ "$count" -lt 25 ]; then
    echo "FAIL: only $count cases found in $corpus" >&2
    failures=$((failures + 1))
fi
if [ "$failures" -ne 0 ]; then
    echo "$failures of $count sandbox case(s) failed" >&2
    exit 1
fi
echo "all $count sandbox cases failed as expected, touching nothing"
