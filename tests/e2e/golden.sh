#!/bin/sh
# golden.sh - the bytes of every report of the bundled scenarios at a fixed seed are
# pinned: tests/golden/bundled.sha256 holds the SHA-256 of the JSON, the trials CSV
# and the workbook (--reproducible) of one run of every bundled scenario. A change
# that moves them is a decision: regenerate with
#   sh tests/e2e/golden.sh build/roisim . /tmp/golden --update
# and say in the commit why the bytes changed.
# Usage: sh golden.sh ROISIM SOURCE_DIR WORK_DIR [--update]
roisim=$1
src=$2
work=$3
update=$4
if [ -z "$roisim" ] || [ -z "$src" ] || [ -z "$work" ]; then
    echo "usage: $0 roisim-binary source-dir work-dir [--update]" >&2
    exit 2
fi
case "$roisim" in /*) ;; *) roisim="$(pwd)/$roisim" ;; esac
case "$src" in /*) ;; *) src="$(pwd)/$src" ;; esac
rm -rf "$work" && mkdir -p "$work" || exit 1
# Every path the reports record is relative to the work folder, so the bytes do not
# depend on where the source tree or the build lives.
cp -r "$src/scenarios" "$work/scenarios" || exit 1
cd "$work" || exit 1
files=$(grep -v '^#' scenarios/BUNDLE | grep . | sed 's|^|scenarios/|')
# shellcheck disable=SC2086
"$roisim" run $files -n 3000 --seed 11 --quiet --reproducible \
    --json out.json --xlsx out.xlsx --trials-csv out.csv || exit 1
# Correlation, a sweep, a stress test, LHS, --given, --stress and --precision.
cp "$src/tests/golden/extras.lua" scenarios/extras.lua || exit 1
"$roisim" run scenarios/base.lua scenarios/extras.lua -n 2048 --seed 5 --quiet --reproducible \
    --sampling lhs --given 'moat and v2.score >= 58' --stress 'v2.score=0:20%' \
    --json lhs.json --xlsx lhs.xlsx || exit 1
"$roisim" run scenarios/v2_slips.lua -n 1024 --precision 0.03 --max-trials 16384 --quiet \
    --json precision.json || exit 1
sha256sum out.json out.csv out.xlsx lhs.json lhs.xlsx precision.json > got.sha256 || exit 1
if [ "$update" = "--update" ]; then
    cp got.sha256 "$src/tests/golden/bundled.sha256" && echo "golden: updated" && exit 0
fi
if ! diff "$src/tests/golden/bundled.sha256" got.sha256; then
    echo "FAIL: the bundled reports' bytes changed (see tests/e2e/golden.sh)" >&2
    exit 1
fi
echo "golden: JSON, CSV and workbook of the bundled scenarios are byte-identical"
