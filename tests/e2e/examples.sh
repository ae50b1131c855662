#!/bin/sh
# examples.sh - the bundled example that is not an AI lab (scenarios/examples/) runs
# from its own BUNDLE: every report is written, the savings output and the per-stream
# savings series are in the JSON, and the series a case without versions has no use
# for (score, quality_multiplier) are not.
# Usage: sh examples.sh ROISIM SOURCE_DIR WORK_DIR
roisim=$1
src=$2
work=$3
if [ -z "$roisim" ] || [ -z "$src" ] || [ -z "$work" ]; then
    echo "usage: $0 roisim-binary source-dir work-dir" >&2
    exit 2
fi
rm -rf "$work" && mkdir -p "$work" || exit 1
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
ROISIM_SCENARIOS="$src/scenarios/examples" "$roisim" run -n 2000 --seed 3 --quiet \
    --json "$work/out.json" --xlsx "$work/out.xlsx" --trials-csv "$work/out.csv" \
    >"$work/stdout" 2>"$work/stderr" || fail "roisim run of the examples failed: $(cat "$work/stderr")"
for name in fleet_routing depots_slip cheap_fuel; do
    grep -q "\"name\":[[:space:]]*\"$name\"" "$work/out.json" || fail "$name is not in the JSON"
done
grep -q '"total_savings"' "$work/out.json" || fail "no total_savings output in the JSON"
grep -q '"savings.fuel_and_overtime"' "$work/out.json" || fail "no savings series in the JSON"
grep -q '"quality_multiplier"' "$work/out.json" && fail "a case without versions reports quality_multiplier"
grep -q '"score"' "$work/out.json" && fail "a case without versions reports score"
head -1 "$work/out.csv" | grep -q ',total_savings' || fail "no total_savings column in the trials CSV"
[ -s "$work/out.xlsx" ] || fail "no workbook"
"$roisim" check "$src/scenarios/examples/fleet_routing.lua" >/dev/null 2>&1 || fail "check failed"
[ "$failures" -eq 0 ] || exit 1
echo "examples: the fleet routing case and its what-ifs run and report savings"
