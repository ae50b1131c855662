#!/bin/sh
# cli_usage.sh - exit codes and messages of the roisim command line.
# Usage: sh cli_usage.sh ROISIM_BINARY SOURCE_DIR WORK_DIR
roisim=$1
src=$2
work=$3
if [ -z "$roisim" ] || [ -z "$src" ] || [ -z "$work" ]; then
    echo "usage: $0 roisim-binary source-dir work-dir" >&2
    exit 2
fi
mkdir -p "$work" || exit 1
failures=0

# expect CODE DESCRIPTION -- ARGS...: runs roisim ARGS and checks its exit status.
expect() {
    want=$1
    what=$2
    shift 3
    "$roisim" "$@" >"$work/out" 2>"$work/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $what: 'roisim $*' exited $got, expected $want" >&2
        sed 's/^/    stderr: /' "$work/err" >&2
        failures=$((failures + 1))
    else
        echo "ok: $what"
    fi
}

# expect_grep FILE PATTERN DESCRIPTION: the last run's output contains PATTERN.
expect_grep() {
    if ! grep -q -- "$2" "$work/$1"; then
        echo "FAIL: $3: '$2' not found in std$1" >&2
        failures=$((failures + 1))
    fi
}

expect 0 "--version" -- --version
expect_grep out "^roisim [0-9]" "--version prints 'roisim VERSION'"

expect 0 "--help" -- --help
for word in run check list --json --xlsx --seed --threads --set --quiet; do
    expect_grep out "$word" "--help mentions $word"
done
expect 0 "help command" -- help
expect_grep out "Usage" "help prints the usage"

expect 2 "unknown flag" -- run --no-such-flag
expect_grep err "^roisim: " "errors start with 'roisim: '"
expect 2 "unknown flag before the command" -- --bogus run
expect 2 "run -n 0" -- run -n 0
expect 2 "run -n -5" -- run -n -5
expect 2 "run -n abc" -- run -n abc
expect 2 "run -n above the cap" -- run -n 1000000001
expect 2 "run -n without a value" -- run -n
expect 2 "run --seed abc" -- run --seed abc
expect 2 "run --seed -1" -- run --seed -1
expect 2 "run --threads 0" -- run --threads 0
expect 2 "run --set without '='" -- run --set horizon.discount
expect 2 "unknown command" -- frobnicate
expect 2 "no command" --
expect 2 "run-only option given to check" -- check -n 10 "$work/missing.lua"

expect 1 "run a missing scenario file" -- run "$work/no-such-scenario.lua" -n 10 --quiet
expect_grep err "no-such-scenario.lua" "the error names the missing file"
expect 1 "check a missing scenario file" -- check "$work/no-such-scenario.lua"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all checks passed"
