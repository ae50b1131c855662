#!/bin/sh
# End-to-end: LibreOffice opens the workbook and prints it (headless conversion to
# PDF): every sheet renders, one page wide, with its charts' titles in the text.
# LibreOffice is optional (make test does not install it): without it this test says
# so and exits 77, which ctest reports as skipped. Arguments: roisim-binary
# source-dir work-dir.
roisim=$1 src=$2 work=$3
if ! command -v libreoffice >/dev/null 2>&1; then
    echo "SKIP: libreoffice is not installed (apt-get install libreoffice-calc" \
         "poppler-utils to run this test)"
    exit 77
fi
set -e
rm -rf "$work"
mkdir -p "$work/home"
cd "$src"
"$roisim" run -n 2000 --quiet --reproducible --xlsx "$work/report.xlsx" \
    scenarios/base.lua scenarios/v2_slips.lua
cd "$work"
# A private profile directory: no clash with a running LibreOffice, no state left.
HOME="$work/home" timeout 300 libreoffice --headless --norestore --convert-to pdf \
    --outdir "$work" "$work/report.xlsx" >"$work/convert.log" 2>&1 || {
    cat "$work/convert.log"; echo "FAIL: libreoffice could not convert the workbook"; exit 1; }
[ -s "$work/report.pdf" ] || { echo "FAIL: no PDF"; exit 1; }
if ! command -v pdftotext >/dev/null 2>&1; then
    echo "PDF written; pdftotext (poppler-utils) absent, so its text is not checked"
    exit 0
fi
pdftotext -layout "$work/report.pdf" "$work/report.txt"
fail=0
for want in "roisim: Monte Carlo ROI of the scenarios" "NPV by scenario: bar from p10 to p90" \
            "base: Base case" "v2_slips: v2 slips" "NPV: distribution over trials" \
            "NPV S-curve" "Cumulative cash flow by quarter" "Active users per surface" \
            "Revenue per stream by quarter" "Recurring spend per line by quarter" \
            "Uncertain inputs of every scenario" "The numbers behind every chart" \
            "How this workbook was made" "P(unique reach >= 3.00B in 2026Q2)" \
            "What drives NPV, scenario by scenario" \
            "base: NPV with one input at its p10 or p90" "core_ad_uplift.lift" \
            "How each what-if differs from base, trial by trial" \
            "NPV minus base's, trial by trial" "Conditional views" \
            "Goal seeks and sweeps" "lift for even odds"; do
    grep -qF "$want" "$work/report.txt" || { echo "FAIL: '$want' not in the printed PDF"; fail=1; }
done
# Money as $B, never a raw dollar figure with 10+ digits, and no NaN (SHA-256 digests
# are left out of that check).
grep -vE '[0-9a-f]{64}' "$work/report.txt" >"$work/numbers.txt" || true
grep -qE '\$[0-9]+\.[0-9]B' "$work/report.txt" || { echo "FAIL: no \$B figure"; fail=1; }
if grep -qiE '(^|[^a-z])nan([^a-z]|$)|[0-9]{10,}' "$work/numbers.txt"; then
    grep -niE '(^|[^a-z])nan([^a-z]|$)|[0-9]{10,}' "$work/numbers.txt" | head -5
    echo "FAIL: NaN or a raw long number in the printed report"; fail=1
fi
pages=$(pdfinfo "$work/report.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
echo "report.pdf: ${pages:-?} pages"
exit $fail
