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
# No scenario is named base: the what-ifs are compared with the first, fleet_routing.
grep -q '"versus":[[:space:]]*"fleet_routing"' "$work/out.json" ||
    fail "the what-ifs are not compared with the first scenario of the run"
head -1 "$work/out.csv" | grep -q ',total_savings' || fail "no total_savings column in the trials CSV"
[ -s "$work/out.xlsx" ] || fail "no workbook"
"$roisim" check "$src/scenarios/examples/fleet_routing.lua" >/dev/null 2>&1 || fail "check failed"
# The smallest case: a horizon, a spend line and a stream, nothing else, and one that
# spends nothing (its ROI multiple is undefined): every report is written.
cat >"$work/plain.lua" <<'LUA'
horizon { from = "2026Q1", to = "2027Q4", discount = 0.1, terminal = false, currency = "EUR" }
spend "build" { kind = "lump", quarter = "2026Q1", amount = 500e3 }
revenue "fees" { kind = "schedule", from = "2026Q2", to = "end", amount = uniform(60e3, 120e3) }
LUA
cat >"$work/grant.lua" <<'LUA'
horizon { from = "2026Q1", to = "2026Q4", discount = 0, terminal = false }
revenue "grant" { kind = "schedule", from = "2026Q1", to = "end", amount = uniform(1e6, 2e6) }
LUA
"$roisim" run -n 500 --quiet "$work/plain.lua" "$work/grant.lua" --json "$work/plain.json" \
    --xlsx "$work/plain.xlsx" --trials-csv "$work/plain.csv" >/dev/null 2>"$work/plain.err" ||
    fail "a case with only horizon, spend and revenue failed: $(cat "$work/plain.err")"
[ -s "$work/plain.err" ] && fail "warnings for the plain case: $(cat "$work/plain.err")"
grep -q '"unique_active"' "$work/plain.json" && fail "a case without surfaces reports unique_active"
grep -q '"currency":[[:space:]]*"EUR"' "$work/plain.json" || fail "the stated currency is not in the JSON"
# A user's own folder needs no BUNDLE: its .lua files in name order.
mkdir -p "$work/own" && cp "$work/plain.lua" "$work/own/b_plain.lua" &&
    cp "$work/grant.lua" "$work/own/a_grant.lua" || exit 1
listed=$(ROISIM_SCENARIOS="$work/own" "$roisim" list 2>&1 | awk '{print $1}' | tr '\n' ' ')
[ "$listed" = "a_grant b_plain " ] || fail "a folder without BUNDLE lists '$listed'"
[ "$failures" -eq 0 ] || exit 1
echo "examples: the fleet routing case and its what-ifs run and report savings"
