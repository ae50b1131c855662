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
for word in run check list paths --json --xlsx --seed --threads --set --quiet; do
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

expect 2 "run-only option given to list" -- list --json out.json
expect_grep err "option '--json' is only valid for 'run' and 'fit'" "the message names the option and its command"
expect 2 "a scenario file given to list" -- list "$work/missing.lua"
expect 0 "paths" -- paths
expect_grep out "^scenarios " "paths prints the scenario directory"
expect_grep out "^docs " "paths prints the docs directory"
expect 0 "--version --verbose" -- --version --verbose
expect_grep out "^scenarios " "--version --verbose prints the scenario directory"
expect 2 "--verbose without --version" -- run --verbose

# Every option of the table (cli/options.c, dumped by roisim-doc, built beside roisim):
# --help shows its line, a command it does not apply to refuses it in both spellings,
# and one that takes a value asks for it.
doc="$(dirname "$roisim")/roisim-doc"
if ! "$doc" table >"$work/table" 2>"$work/err" || ! [ -s "$work/table" ]; then
    echo "FAIL: '$doc table' printed no option table" >&2
    failures=$((failures + 1))
fi
"$roisim" --help >"$work/help"
tab=$(printf '\t')
while IFS="$tab" read -r name short arg commands example <&3; do
    label="--$name"
    [ "$short" != "-" ] && label="-$short, $label"
    [ "$arg" != "-" ] && label="$label $arg"
    if ! grep -q -- "^  $label\( \|\$\)" "$work/help"; then
        echo "FAIL: --help has no line for '$label'" >&2
        failures=$((failures + 1))
    fi
    wrong=""
    for cmd in run check list paths; do
        case " $commands " in *" $cmd "*) ;; *) wrong=$cmd; break ;; esac
    done
    right=${commands%% *}
    for spelling in "--$name" "-$short"; do
        [ "$spelling" = "--" ] && continue
        value=""
        [ "$arg" != "-" ] && value=$example
        if [ -n "$wrong" ]; then
            expect 2 "$spelling refused by '$wrong'" -- "$wrong" "$spelling" ${value:+"$value"}
            expect_grep err "option '$spelling' is only valid" "$spelling: the message says where it is valid"
        else
            expect 0 "$spelling accepted by 'paths'" -- paths "$spelling"
        fi
        if [ "$arg" != "-" ]; then
            expect 2 "$spelling without its value" -- "$right" "$spelling"
            expect_grep err "option '$spelling' needs a value" "$spelling: the message asks for the value"
        fi
    done
done 3<"$work/table"

expect 1 "run a missing scenario file" -- run "$work/no-such-scenario.lua" -n 10 --quiet
expect_grep err "no-such-scenario.lua" "the error names the missing file"
expect 1 "check a missing scenario file" -- check "$work/no-such-scenario.lua"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "all checks passed"
