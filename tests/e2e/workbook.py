"""End-to-end: the Excel report read back with openpyxl.

Runs every bundled scenario with --json, --xlsx and --trials-csv, then checks that
the workbook has the promised sheets (in run order) and charts, that every number in
its tables is the JSON's value of the same run, that nothing undefined is written as
NaN or a sentinel, that --reproducible gives identical bytes whatever the thread
count, that the trials CSV agrees with the JSON, and that a failed write exits 1 and
leaves the earlier report untouched.

Numbers: libxlsxwriter 1.1.4 writes a double with 16 significant digits ("%.16G"),
so a cell equals the JSON double to a relative 1e-15 (Excel shows at most 15 digits).

Arguments: roisim-binary source-dir work-dir."""
import csv
import hashlib
import json
import math
import os
import resource
import signal
import subprocess
import sys

try:
    import openpyxl
except ImportError:
    # The Debian package lives in the system Python; a pyenv or venv python3 first in
    # PATH would not see it.
    system = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(system) and os.path.exists(system):
        os.execv(system, [system] + sys.argv)
    print("SKIP: python3-openpyxl is not installed (make deps installs it)")
    sys.exit(0)

roisim, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
failures = []
checks = [0]


def check(cond, what):
    checks[0] += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def run(*args, expect=0, **kw):
    p = subprocess.run([roisim, "run", *args], cwd=src, capture_output=True, text=True, **kw)
    if p.returncode != expect:
        print(p.stderr)
    check(p.returncode == expect, "roisim run %s exits %d (got %d)" % (" ".join(args), expect,
                                                                       p.returncode))
    return p


def same(cell, value, what):
    """A cell holds the JSON value: null <-> empty cell, numbers to 16 digits."""
    if value is None:
        return check(cell is None or cell == "", "%s: empty for null, got %r" % (what, cell))
    if not check(isinstance(cell, (int, float)), "%s: a number, got %r" % (what, cell)):
        return False
    return check(abs(cell - value) <= 1e-15 * abs(value), "%s: %r != JSON %r" % (what, cell, value))


def title_text(chart):
    try:
        return "".join(r.t for p in chart.title.tx.rich.p for r in (p.r or []))
    except AttributeError:
        return ""


TRIALS = "4000"
xlsx = os.path.join(work, "report.xlsx")
xlsx2 = os.path.join(work, "report2.xlsx")
js = os.path.join(work, "report.json")
trials_csv = os.path.join(work, "trials.csv")
run("-n", TRIALS, "--quiet", "--threads", "2", "--json", js, "--xlsx", xlsx, "--trials-csv",
    trials_csv, "--reproducible")
doc = json.load(open(js))
scen = doc["scenarios"]
names = [s["name"] for s in scen]

# ---- reproducible bytes, whatever the thread count ------------------------------------
run("-n", TRIALS, "--quiet", "--threads", "1", "--json", js, "--xlsx", xlsx, "--trials-csv",
    trials_csv, "--reproducible")
raw1 = open(xlsx, "rb").read()
os.replace(xlsx, xlsx2)
run("-n", TRIALS, "--quiet", "--threads", "2", "--json", js, "--xlsx", xlsx, "--trials-csv",
    trials_csv, "--reproducible")
check(open(xlsx, "rb").read() == raw1, "--reproducible: identical bytes with 1 and 2 threads")
check(not any(f.startswith(".") for f in os.listdir(work)), "no temporary file left behind")

wb = openpyxl.load_workbook(xlsx)

# ---- sheets and charts -----------------------------------------------------------------
check(wb.sheetnames == ["Summary", "Drivers", "Compare", "Goals", "Decisions"] + names +
      ["Inputs", "Series", "Run"], "sheet order: %s" % wb.sheetnames)
summary = wb["Summary"]
check(len(summary._charts) == 2, "Summary has its NPV range chart and the S-curves")
for n in names:
    ws = wb[n]
    kinds = sorted(type(c).__name__ for c in ws._charts)
    # Spend apart from its one-off lumps: 8 charts when the scenario has a lump.
    check(len(ws._charts) == 8, "%s has 8 charts, got %s" % (n, kinds))
    check(kinds.count("BarChart") == 4 and "ScatterChart" in kinds and
          kinds.count("LineChart") == 2 and "AreaChart" in kinds,
          "%s chart kinds: %s" % (n, kinds))
    hist = [c for c in ws._charts if type(c).__name__ == "BarChart" and c.grouping != "stacked"]
    check(len(hist) == 1 and hist[0].gapWidth == 0, "%s: histogram has no gaps" % n)
    check(ws.freeze_panes is not None, "%s: header frozen" % n)
    check(ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (1, "1")
          and ws.page_setup.scale and int(ws.page_setup.scale) < 100,
          "%s: letter, landscape, scaled to one page wide" % n)

# One npv bin grid for every scenario of the run (Series: each block's histogram table
# under its "Histogram bin" header), so their histograms compare bin by bin.
series_ws = wb["Series"]
grids = []
for row in series_ws.iter_rows(min_col=1, max_col=3):
    if isinstance(row[0].value, str) and row[0].value.startswith("Histogram bin"):
        grids.append([])
    elif grids and isinstance(row[1].value, (int, float)) and isinstance(row[0].value, str) \
            and len(grids[-1]) < 50 and (not grids[-1] or grids[-1][-1] is not None):
        grids[-1].append((row[1].value, row[2].value))
    elif grids and grids[-1] and grids[-1][-1] is not None:
        grids[-1].append(None)  # the table ends
grids = [[b for b in g if b is not None] for g in grids]
check(len(grids) == len(names) and all(g == grids[0] for g in grids) and grids[0],
      "every scenario's npv histogram has the same bins (%d tables)" % len(grids))

# ---- printed pages: no chart across a page break, headers and footers --------------------
PAGE_H_IN, MARGINS_IN = 8.5, None  # Letter, landscape


def page_of_rows(ws):
    """The printed page of each row (0-based) from the print setup: the fixed scale, the
    margins, the row heights and the manual breaks, as Excel and LibreOffice paginate."""
    scale = int(ws.page_setup.scale or 100) / 100.0
    m = ws.page_margins
    usable = (PAGE_H_IN - m.top - m.bottom) * 96 / scale  # sheet pixels per page
    breaks = {b.id for b in ws.row_breaks.brk}  # a break after 1-based row id
    last = max(ws.max_row, max((c.anchor._from.row for c in ws._charts), default=0) + 60)
    pages, page, used = [], 0, 0.0
    for r in range(last + 1):
        ht = ws.row_dimensions[r + 1].ht if r + 1 in ws.row_dimensions else None
        px = (ht if ht is not None else 15) * 96 / 72
        if r in breaks or (used + px > usable and used > 0):
            page, used = page + 1, 0.0
        used += px
        pages.append(page)
    return pages


for ws in wb.worksheets:
    check(ws.page_setup.paperSize in (1, "1") and ws.page_setup.orientation == "landscape",
          "%s: Letter, landscape" % ws.title)
    check("&P" in (ws.oddFooter.center.text or "") and ws.title.replace("&", "&&") in
          (ws.oddFooter.left.text or ""), "%s: footer with the sheet's name and page" % ws.title)
    pages = page_of_rows(ws)
    for c in ws._charts:
        a, b = c.anchor._from.row, c.anchor.to.row
        check(pages[a] == pages[min(b, len(pages) - 1)],
              "%s: chart (rows %d-%d) on one printed page, not %d-%d"
              % (ws.title, a, b, pages[a], pages[min(b, len(pages) - 1)]))
    for row in ws.iter_rows(values_only=True):
        for v in row:
            if isinstance(v, str):
                check(not v.startswith("(no "), "%s: an empty section is left out: %r" % (ws.title, v))
                check(not any(w.startswith("/") and w.count("/") > 1 for w in v.split()),
                      "%s: no folder of the machine that ran it: %r" % (ws.title, v))
for name in ("Inputs", "Drivers", "Compare", "Goals"):
    if name in wb.sheetnames:
        check(wb[name].print_title_rows, "%s: its header row repeats on every page" % name)
check(wb["Series"].print_title_cols, "Series: its first columns repeat on every page")
# Series has a block per scenario, so no one row can repeat: every printed page with a
# band on it has the quarters' header row above it on that page.
ws = wb["Series"]
pages, head_pages, bad = page_of_rows(ws), set(), []
for i, r in enumerate(ws.iter_rows(min_col=1, max_col=2, values_only=True)):
    if r[0] == "Series" and r[1] == "Statistic":
        head_pages.add(pages[i])
    elif r[1] in ("mean", "p10", "p50", "p90") and pages[i] not in head_pages:
        bad.append(i + 1)
check(not bad, "Series: every printed page of bands has its quarters' header (not rows %s)"
      % bad[:5])
for n in names:
    for c in wb[n]._charts:
        for ser in c.series:
            tx = ser.tx.v if ser.tx is not None and ser.tx.v else ""
            check("_" not in tx, "%s: legend %r in words, not a code name" % (n, tx))

# ---- nothing undefined as NaN or a sentinel --------------------------------------------
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        for v in row:
            if isinstance(v, float):
                check(math.isfinite(v), "%s: non-finite number" % ws.title)
            if isinstance(v, (int, float)):
                check(v != -999, "%s: sentinel -999" % ws.title)
            if isinstance(v, str):
                check(v.lower() not in ("nan", "inf", "-inf", "n/a", "#n/a"),
                      "%s: text %r for a missing value" % (ws.title, v))

# ---- Summary: one column per scenario, the JSON's values ---------------------------------
SUM_HEAD = 7  # 1-based row of the scenario names
head = [c.value for c in summary[SUM_HEAD]]
check(head[0] == "Scenario" and head[1:1 + len(scen)] == names, "Summary header: %s" % head)
check([c.value for c in summary[SUM_HEAD + 1]][1:1 + len(scen)] == [s["title"] for s in scen],
      "Summary titles under the names")
labels = {r[0].value: r for r in summary.iter_rows(min_row=SUM_HEAD + 2) if r[0].value}
ROWS = {"P(NPV > 0): the bet pays off (share of trials)": ("npv", "prob_positive"),
        "NPV mean": ("npv", "mean"), "NPV p10 (1 trial in 10 is lower)": ("npv", "p10"),
        "NPV p50 (median)": ("npv", "p50"), "NPV p90 (1 trial in 10 is higher)": ("npv", "p90"),
        "NPV within the horizon only (median)": ("npv_horizon", "p50"),
        "P(NPV within the horizon > 0)": ("npv_horizon", "prob_positive"),
        "ROI multiple (median)": ("roi_multiple", "p50"),
        "IRR, annual (median where it exists)": ("irr", "p50"),
        "IRR does not exist (share of trials)": ("irr", "undefined_share"),
        "Total spend (median)": ("total_spend", "p50"),
        "Total revenue (median)": ("total_revenue", "p50"),
        "Peak unique active users (median)": ("peak_active", "p50")}
for label, (out, stat) in ROWS.items():
    if not check(label in labels, "Summary row %s" % label):
        continue
    for k, s in enumerate(scen):
        same(labels[label][1 + k].value, s["outputs"][out][stat], "Summary %s %s" % (s["name"], label))
after = labels.get("NPV mean from after the horizon (terminal value and residuals)")
pays = labels.get("Pays back within the horizon (share of trials)")
if check(after is not None and pays is not None, "Summary: value after the horizon, pays back"):
    for k, s in enumerate(scen):
        o = s["outputs"]
        want = o["npv"]["mean"] - o["npv_horizon"]["mean"]
        check(abs(after[1 + k].value - want) <= 1e-12 * abs(want) + 1e-3,
              "Summary %s after-horizon NPV %r = %r" % (s["name"], after[1 + k].value, want))
        want = 1 - o["payback"]["never_share"]
        check(abs(pays[1 + k].value - want) <= 1e-15, "Summary %s pays back" % s["name"])
fmt = {k: labels[k][1].number_format for k in ("NPV mean", "P(NPV > 0): the bet pays off (share of trials)")}
check('"B"' in fmt["NPV mean"] and "0.0," in fmt["NPV mean"], "money in $B: %s" % fmt["NPV mean"])
check("%" in fmt["P(NPV > 0): the bet pays off (share of trials)"], "probabilities as %%: %s" % fmt)
words = " ".join(str(c.value) for c in summary["A"][:6] if c.value)
check("comes after the horizon" in words and "pay back within the horizon" in words,
      "page 1 says in words how much of NPV lies after the horizon: %r" % words)

# ---- one number, one rendering: terminal, chart titles and cells agree ------------------
def shown_pct(v, dec=1):
    """v as a percentage the way numfmt.c shows it: from its 15 significant digits,
    rounded half away from zero; "< 0.1%" / "> 99.9%" next to 0 and 1."""
    from decimal import Decimal, ROUND_HALF_UP
    p = (Decimal(format(v, ".14e")) * 100).quantize(Decimal(1).scaleb(-dec), ROUND_HALF_UP)
    if p == 0 and v > 0:
        return "< 0." + "0" * (dec - 1) + "1%"
    if p == 100 and v < 1:
        return "> 99." + "9" * dec + "%"
    return "%s%%" % p


term = run("-n", TRIALS, "--threads", "2", "--reproducible", "--json", js).stdout
lines = term.splitlines()
check(max(len(line) for line in lines) <= 80, "terminal within 80 columns")
for s in scen:
    want = shown_pct(s["outputs"]["npv"]["prob_positive"])
    # the summary table comes first; a long name is cut, with "..."
    row = [line for line in lines if line.split() and len(line.split()[0].rstrip(".")) > 3
           and s["name"].startswith(line.split()[0].rstrip("."))]
    check(row and row[0].split()[1] == want,
          "terminal P(NPV>0) of %s reads %s: %r" % (s["name"], want, row[:1]))
    c = labels["P(NPV > 0): the bet pays off (share of trials)"][1 + names.index(s["name"])]
    fmt_ = c.number_format
    cell = shown_pct(c.value) if fmt_ == "0.0%" else fmt_.strip('"')
    check(cell == want, "Summary P(NPV > 0) of %s shows %s (format %r)" % (s["name"], want, fmt_))
    titles = [title_text(ch) for ch in wb[s["name"]]._charts]
    check(any(("P(NPV > 0) = " + want) in t for t in titles),
          "S-curve title of %s says %s: %r" % (s["name"], want, titles))

# What a cell shows: its number through its Excel format, as Excel renders it (the
# value's 15 significant digits rounded half away from zero), for the formats numfmt.c
# writes: sections (positive; negative; zero) or [>=x] conditions, quoted literals,
# "$", signs, "%", grouping "#,##0" and trailing commas (each divides by 1000).
def excel_text(v, code):
    from decimal import Decimal, ROUND_HALF_UP
    secs, cur, quoted = [], "", False
    for ch in code:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            secs.append(cur)
            cur = ""
        else:
            cur += ch
    secs.append(cur)
    sec, neg = secs[0], False
    if secs[0].startswith("[>="):
        for sc in secs:
            if not sc.startswith("[>=") or abs(v) >= float(sc[3:sc.index("]")]):
                sec = sc[sc.index("]") + 1:] if sc.startswith("[") else sc
                break
    elif v < 0 and len(secs) > 1:
        sec, neg = secs[1], True
    elif v == 0 and len(secs) > 2:
        sec = secs[2]
    if not any(ch in sec.replace('"', " ") for ch in "0#") or sec.count('"') and \
            "0" not in "".join(sec.split('"')[0::2]):
        return sec.replace('"', "")  # a literal only: "< 0.1%"
    parts = sec.split('"')
    num = "".join(parts[0::2])
    body = "".join(ch for ch in num if ch in "#0,.")
    body = body.strip(",") if not body.rstrip(",").endswith("0") else body
    commas = len(num.rstrip().rstrip("%")) - len(num.rstrip().rstrip("%").rstrip(","))
    digits = num.rstrip("%").rstrip(",")
    dec = len(digits.split(".")[1].rstrip(",")) if "." in digits else 0
    x = abs(Decimal(format(v, ".14e"))) if neg else Decimal(format(v, ".14e"))
    if "%" in num:
        x *= 100
    x = x / (Decimal(1000) ** commas)
    x = x.quantize(Decimal(1).scaleb(-dec), ROUND_HALF_UP)
    txt = ("{:,.%df}" if "#,##" in num else "{:.%df}") % dec
    txt = txt.format(x)
    out, i = "", 0
    for k, part in enumerate(parts):
        if k % 2:
            out += part
            continue
        lead = part[:len(part) - len(part.lstrip("$+-"))]
        rest = part[len(lead):]
        out += lead
        if rest and any(ch in rest for ch in "0#"):
            out += txt + ("%" if "%" in rest else "")
        elif rest:
            out += rest.replace(",", "")
    if txt.startswith("-"):  # a negative in a one-section format: Excel's own minus
        out = "-" + out.replace("-", "", 1) if not out.startswith("-") else out
    return out


# The terminal's summary table and the Summary sheet show the same text for the same
# statistic: P(NPV > 0), NPV p10, p50, p90, the payback share and spend, every scenario.
SUMMARY_OF = {1: "P(NPV > 0): the bet pays off (share of trials)",
              2: "NPV p10 (1 trial in 10 is lower)", 3: "NPV p50 (median)",
              4: "NPV p90 (1 trial in 10 is higher)",
              5: "Pays back within the horizon (share of trials)", 6: "Total spend (median)"}
for s in scen:
    row = [line.split() for line in lines if line.split() and
           s["name"].startswith(line.split()[0].rstrip("."))]
    if not check(row and len(row[0]) == 7, "terminal summary row of %s" % s["name"]):
        continue
    for col, label in SUMMARY_OF.items():
        c = labels[label][1 + names.index(s["name"])]
        shown = excel_text(c.value, c.number_format)
        check(shown == row[0][col], "%s, %s: the workbook shows %r (%s), the terminal %r"
              % (s["name"], label, shown, c.number_format, row[0][col]))

# ---- scenario sheets: every statistic of every output ----------------------------------
STATS = ["mean", "sd", "se", "min"] + "p1 p5 p10 p25 p50 p75 p90 p95 p99".split() + \
        ["max", "prob_positive", "cvar5"]
for s in scen:
    ws = wb[s["name"]]
    rows = {r[1]: r for r in ws.iter_rows(values_only=True) if r and len(r) > 1 and r[1]}
    for out, o in s["outputs"].items():
        if not check(out in rows, "%s: a row for %s" % (s["name"], out)):
            continue
        r = rows[out]
        for j, st in enumerate(STATS):
            if st == "prob_positive" and out not in ("npv", "npv_horizon", "irr"):
                check(r[2 + j] is None, "%s %s: no P(> 0) where it cannot be negative"
                      % (s["name"], out))
            elif st == "cvar5" and out in ("total_spend", "payback"):
                # the adverse tail of spend and payback is the high one
                check(r[2 + j] is None or r[2 + j] >= o["p95"] * (1 - 1e-6),
                      "%s %s: worst 5%% from the high tail (%r, p95 %r)"
                      % (s["name"], out, r[2 + j], o["p95"]))
            else:
                same(r[2 + j], o[st], "%s %s.%s" % (s["name"], out, st))
        share = o.get("undefined_share", o.get("never_share"))
        if share is not None:
            same(r[2 + len(STATS)], share, "%s %s share" % (s["name"], out))
    for key, p in s["milestones"].items():
        if check(key in rows, "%s: milestone %s" % (s["name"], key)):
            same(rows[key][2], p, "%s milestone %s" % (s["name"], key))
            check(rows[key][0].startswith("P(") and ">=" in rows[key][0],
                  "milestone described: %r" % rows[key][0])

# ---- Inputs -----------------------------------------------------------------------------
inputs = {}
for r in wb["Inputs"].iter_rows(min_row=5, values_only=True):
    if r[0] == "What each what-if changes":
        break  # tests/e2e/whatif_changes.py reads that block
    if r[0]:
        inputs[(r[0], r[1])] = r
for s in scen:
    for i in s["inputs"]:
        r = inputs.get((s["name"], i["name"]))
        if check(r is not None, "Inputs has %s %s" % (s["name"], i["name"])):
            check(r[2] == i["distribution"], "distribution of %s as written" % i["name"])
            for j, st in enumerate(("mean", "p5", "p95")):
                same(r[3 + j], i[st], "Inputs %s %s.%s" % (s["name"], i["name"], st))
check(inputs.get(("v2_slips", "v2.slip"), [None] * 7)[6] == "changed" and
      inputs.get(("v2_slips", "v2.score"), [None] * 7)[6] == "changed",
      "the what-if's changed inputs are marked")
check(inputs.get(("base", "v2.slip"), [None] * 7)[6] in (None, ""), "base inputs not marked")

# ---- Series: every band of every series -------------------------------------------------
ws = wb["Series"]
current, quarters, seen = None, None, 0
byname = {s["name"]: s for s in scen}
for r in ws.iter_rows(values_only=True):
    if r[0] and isinstance(r[0], str) and ": " in r[0] and r[1] is None:
        current = byname.get(r[0].split(": ")[0])
    elif r[0] == "Series":
        quarters = [q for q in r[3:] if q]
    elif current and r[0] in current["series"] and r[1] in ("mean", "p10", "p50", "p90"):
        pts = current["series"][r[0]]
        check(quarters == [p["quarter"] for p in pts], "Series quarters of %s" % r[0])
        for t, p in enumerate(pts):
            same(r[3 + t], p[r[1]], "Series %s %s %s %s" % (current["name"], r[0], r[1],
                                                           p["quarter"]))
        seen += 1
check(seen == sum(4 * len(s["series"]) for s in scen), "Series has every band (%d)" % seen)

# ---- Drivers, Compare, Goals: the analysis ------------------------------------------------


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def check_analysis(wb, doc, tag):
    """The Drivers, Compare and Goals sheets hold the JSON's analysis of the same run."""
    scen = doc["scenarios"]
    byname = {s["name"]: s for s in scen}

    # Drivers: per scenario the all-medians NPV, the tornado's data (top 12 by range) and
    # the sensitivity of npv to every input, in the JSON's order.
    ws = wb["Drivers"]
    current, mode, sens, torn, medians = None, None, {}, {}, {}
    for r in rows_of(ws):
        if isinstance(r[0], str) and r[1] is None and r[0].split(": ")[0] in byname:
            current, mode = r[0].split(": ")[0], None
        elif r[0] == "All-medians NPV":
            medians[current] = r[1]
        elif r[0] == "Input" and r[1] == "Rank correlation (Spearman)":
            mode = "sens"
        elif r[0] == "Input" and r[1] == "Input at its p10":
            mode = "tornado"
        elif isinstance(r[0], str) and isinstance(r[1], (int, float)) and mode:
            (sens if mode == "sens" else torn).setdefault(current, []).append(r)
        elif r[0] is None or not isinstance(r[1], (int, float)):
            mode = None
    charts = [c for c in ws._charts]
    check(len(charts) == len(scen), "%s Drivers: one tornado per scenario (%d)" % (tag, len(charts)))
    for k, s in enumerate(scen):
        an = s["analysis"]
        sv, bars = an["sensitivity"]["npv"], an["tornado"]["bars"]
        same(medians.get(s["name"]), an["tornado"]["at_medians"], "%s Drivers %s all-medians NPV" % (tag, s["name"]))
        rows = sens.get(s["name"], [])
        check([r[0] for r in rows] == [v["input"] for v in sv],
              "%s Drivers %s: every input, in the JSON's order (%d of %d)" % (tag, s["name"], len(rows), len(sv)))
        bar_of = {b["input"]: b for b in bars}
        for r, v in zip(rows, sv):
            what = "%s Drivers %s %s" % (tag, s["name"], v["input"])
            for j, key in enumerate(("rank_correlation", "rank_correlation_se",
                                     "contribution_to_variance", "low_decile_mean",
                                     "high_decile_mean", "decile_swing", "decile_swing_se")):
                same(r[1 + j], v[key], "%s %s" % (what, key))
            b = bar_of.get(v["input"])
            same(r[8], b and b["npv_at_p10"], what + " tornado at p10")
            same(r[9], b and b["npv_at_p90"], what + " tornado at p90")
        trows = torn.get(s["name"], [])
        top = bars[:12]
        check([r[0] for r in trows] == [b["input"] for b in top],
              "%s Drivers %s: tornado data is the 12 largest ranges, largest first" % (tag, s["name"]))
        for r, b in zip(trows, top):
            for j, key in enumerate(("input_p10", "input_p90", "npv_at_p10", "npv_at_p90", "range")):
                same(r[1 + j], b[key], "%s tornado %s %s %s" % (tag, s["name"], b["input"], key))
        if k < len(charts):
            c = charts[k]
            check(type(c).__name__ == "BarChart" and c.type == "bar" and len(c.series) == 2,
                  "%s tornado of %s: horizontal bar chart, two series" % (tag, s["name"]))
            check(c.overlap == 100 and c.grouping != "stacked", "%s tornado overlap 100: %r" % (tag, c.overlap))
            check(c.x_axis.scaling.orientation == "maxMin", "%s tornado: largest bar on top" % tag)
            check(c.x_axis.crossesAt is not None and
                  abs(c.x_axis.crossesAt - an["tornado"]["at_medians"]) <= 1e-12 * abs(an["tornado"]["at_medians"]),
                  "%s tornado of %s: bars start at the all-medians NPV" % (tag, s["name"]))
            check(s["name"] in title_text(c), "%s tornado title names %s: %r" % (tag, s["name"], title_text(c)))
            ref = c.series[0].val.numRef.f
            check(ref.startswith("Drivers!") or ref.startswith("'Drivers'!"), "tornado reads Drivers: %s" % ref)

    # Compare: paired differences, views, stress tests.
    ws = wb["Compare"]
    mode, paired, views, stress = None, {}, {}, {}
    for r in rows_of(ws):
        if r[0] == "Scenario":
            mode = {"Versus": "paired", "View": "views", "Stress test": "stress"}.get(r[1])
        elif r[0] is None or r[0] not in byname:
            mode = None
        elif mode == "paired":
            paired[r[0]] = r
        elif mode == "views":
            views[(r[0], r[1])] = r
        elif mode == "stress":
            stress[(r[0], r[1])] = r
    want = [s["name"] for s in scen if "paired" in s["analysis"]]
    check(sorted(paired) == sorted(want), "%s Compare: every what-if (%s)" % (tag, sorted(paired)))
    for name in want:
        p, r = byname[name]["analysis"]["paired"], paired.get(name)
        if r is None:
            continue
        check(r[1] == p["versus"], "%s Compare %s versus %s" % (tag, name, p["versus"]))
        for j, key in enumerate(("trials", "mean", "se", "p10", "p50", "p90", "prob_beats",
                                 "prob_beats_se", "prob_ties")):
            same(r[2 + j], p[key], "%s Compare %s %s" % (tag, name, key))
    check(len(ws._charts) == (1 if want else 0), "%s Compare chart" % tag)
    for s in scen:
        for v in s["analysis"]["views"]:
            r = views.get((s["name"], v["name"]))
            if not check(r is not None, "%s Compare has view %s of %s" % (tag, v["name"], s["name"])):
                continue
            check(r[2] == v["where"], "%s view condition %r" % (tag, r[2]))
            npv = v["outputs"]["npv"]
            vals = (v["trials"], v["share"], v["share_se"], npv["mean"], npv["se"],
                    npv["prob_positive"], npv["prob_positive_se"], npv["p50"])
            if v["trials"] < 30:  # a share, and no statistics of too few trials
                check(r[6] == "too few trials for statistics" and r[7:11] == [None] * 4,
                      "%s view %s of %s: too few trials: %r" % (tag, v["name"], s["name"], r[6:11]))
                vals = vals[:3]
            for j, val in enumerate(vals):
                same(r[3 + j], val, "%s view %s %s col %d" % (tag, s["name"], v["name"], 3 + j))
        for t in s["analysis"]["stress"]:
            r = stress.get((s["name"], t["name"]))
            if not check(r is not None, "%s Compare has stress %s" % (tag, t["name"])):
                continue
            check(r[11] == t["input"] and r[2] and r[2] != t["input"],
                  "%s stress input, in words and by code name: %r %r" % (tag, r[2], r[11]))
            for j, val in enumerate((t["low"], t["high"], t["input_low"], t["input_high"],
                                     t["outputs"]["npv"]["mean"], t["outputs"]["npv"]["prob_positive"],
                                     t["npv_change_mean"], t["npv_change_se"])):
                same(r[3 + j], val, "%s stress %s col %d" % (tag, t["name"], 3 + j))
    check(len(views) == sum(len(s["analysis"]["views"]) for s in scen), "%s no extra view rows" % tag)
    check(len(stress) == sum(len(s["analysis"]["stress"]) for s in scen), "%s no extra stress rows" % tag)

    # Goals: goal seeks and sweeps.
    ws = wb["Goals"]
    rows = rows_of(ws)
    goals, mode = {}, None
    for r in rows:
        if r[0] == "Scenario" and r[1] == "Goal":
            mode = 1
        elif mode and r[0] in byname:
            goals[(r[0], r[1])] = r
        else:
            mode = None
    status = {"found": "found", "not_bracketed": "not reached", "not_converged": "not converged"}
    for s in scen:
        for g in s["goals"]:
            r = goals.get((s["name"], g["name"]))
            if not check(r is not None, "%s Goals has %s of %s" % (tag, g["name"], s["name"])):
                continue
            check(r[15] == g["input"] and r[2] and r[2] != g["input"]
                  and r[3] == "%s of %s" % (g["stat"], g["output"]),
                  "%s goal %s input (words, code) and statistic: %r %r %r"
                  % (tag, g["name"], r[2], r[15], r[3]))
            check(r[7] == status[g["status"]], "%s goal status %r" % (tag, r[7]))
            for j, key in ((4, "target"), (5, "low"), (6, "high"), (8, "value"), (9, "value_se"),
                           (10, "stat_at_value"), (11, "stat_se"), (12, "evaluations"),
                           (13, "trials")):
                same(r[j], g[key], "%s goal %s %s %s" % (tag, s["name"], g["name"], key))
            check((r[14] or None) == g["message"], "%s goal message: %r" % (tag, r[14]))
    check(len(goals) == sum(len(s["goals"]) for s in scen), "%s no extra goal rows" % tag)
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    nsweeps = 0
    for s in scen:
        for w in s["sweeps"]:
            nsweeps += 1
            start = "%s: sweep %s:" % (s["name"], w["name"])
            at = [i for i, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith(start)]
            if not check(len(at) == 1, "%s Goals has sweep %s" % (tag, start)):
                continue
            i = at[0]
            nr, nc = len(w["table"]), len(w["table"][0])
            two = len(w["inputs"]) > 1
            if two:
                same_cols = [rows[i + 1][1 + c] for c in range(nc)]
                check(same_cols == w["inputs"][1]["values"], "%s sweep column headers %s" % (tag, same_cols))
            for a in range(nr):
                r = rows[i + 2 + a]
                check(r[0] == w["inputs"][0]["values"][a], "%s sweep row header %r" % (tag, r[0]))
                for c in range(nc):
                    same(r[1 + c], w["table"][a][c], "%s sweep %s cell %d,%d" % (tag, w["name"], a, c))
                    same(r[nc + 3 + c], w["se"][a][c], "%s sweep %s se %d,%d" % (tag, w["name"], a, c))
            rng = "B%d:%s%d" % (i + 3, chr(ord("A") + nc), i + 2 + nr)
            hit = [rule for ref, rule in rules if ref == rng]
            check(len(hit) == 1 and hit[0].type == "colorScale" and len(hit[0].colorScale.cfvo) == 3,
                  "%s sweep %s: 3-colour scale on %s (rules: %s)" % (tag, w["name"], rng,
                                                                  [ref for ref, _ in rules]))
    check(len(rules) == nsweeps, "%s one colour scale per sweep" % tag)
    for name in ("Drivers", "Compare", "Goals"):
        ws = wb[name]
        check(ws.freeze_panes is not None, "%s: header frozen" % name)
        check(ws.page_setup.orientation == "landscape" and ws.page_setup.scale,
              "%s: landscape, scaled to one page wide" % name)


check_analysis(wb, doc, "bundled")

# Decisions: the JSON's decisions, an answer row and one V(t) chart per signal.
dws = wb["Decisions"]
decs = [d for d in doc["decisions"]]
check(len(decs) == 1, "the bundled run evaluates its decision")
check(len(dws._charts) == sum(len(d["signals"]) for d in decs), "Decisions: a chart per signal")
cells = [c.value for row in dws.iter_rows() for c in row if c.value is not None]
for d in decs:
    for key in ("v0", "perfect", "evpi"):
        check(any(isinstance(v, (int, float)) and abs(v - d[key]) <= 1e-12 * abs(d[key])
                  for v in cells),
              "Decisions holds %s of %s" % (key, d["name"]))
    for sg in d["signals"]:
        # in words in the signals table, by its code name over its curve's data
        check(any(isinstance(v, str) and "(%s)" % sg["input"] in v for v in cells),
              "Decisions names signal %s by its code" % sg["input"])
    check(any(isinstance(v, str) and v.startswith("Answer: choose %s" % d["best_option"])
              for v in cells), "Decisions answers in words")
check(any(g["status"] == "found" for s in scen for g in s["goals"]), "a goal seek answered")

# A what-if with a two-input sweep, a goal that cannot be reached, a stress test and a
# view of its own, next to base.
whatif = os.path.join(work, "whatif.lua")
with open(whatif, "w") as fp:
    fp.write('scenario { title = "sweep and stress", extends = "base" }\n'
             'sweep "score x lift" { inputs = { "v2.score", "core_ad_uplift.lift" },\n'
             '  values = { { 54, 58, 62 }, { 0.02, 0.04, 0.06, 0.08 } }, stat = "median", trials = 500 }\n'
             'sweep "lift" { inputs = { "core_ad_uplift.lift" }, values = { 0, 0.05, 0.1 },\n'
             '  stat = "prob_positive", trials = 500 }\n'
             'goal "unreachable" { input = "core_ad_uplift.lift", output = "npv", stat = "prob_positive",\n'
             '  target = 0.999, low = 0, high = 0.01, trials = 500 }\n'
             'stress "v2_bottom_decile" { input = "v2.score", low = 0, high = 0.1 }\n'
             'view "slow_v2" { where = "v2.score <= 50" }\n'
             'view "rare" { where = "v2.score >= 64.5" }\n')
wx, wj = os.path.join(work, "whatif.xlsx"), os.path.join(work, "whatif.json")
run("-n", "1000", "--quiet", "--reproducible", "--xlsx", wx, "--json", wj,
    os.path.join(src, "scenarios/base.lua"), whatif)
wdoc = json.load(open(wj))
ws_ = wdoc["scenarios"][1]
check(len(ws_["sweeps"]) == 2 and ws_["analysis"]["stress"] and
      any(g["status"] == "not_bracketed" for g in ws_["goals"]), "the what-if has what it declares")
check(any(0 < v["trials"] < 30 for v in ws_["analysis"]["views"]), "a view of too few trials")
check_analysis(openpyxl.load_workbook(wx), wdoc, "what-if")

# ---- empty sections and sheets are left out ------------------------------------------------
na = os.path.join(work, "no_analysis.xlsx")
run("-n", "300", "--quiet", "--no-analysis", "--xlsx", na,
    os.path.join(src, "scenarios/examples/fleet_routing.lua"))
nwb = openpyxl.load_workbook(na)
check("Drivers" not in nwb.sheetnames and "Compare" not in nwb.sheetnames and
      "Goals" not in nwb.sheetnames, "--no-analysis, no goals: no empty sheets: %s" % nwb.sheetnames)
check(not any(r[0] == "Milestones" for r in nwb["fleet_routing"].iter_rows(values_only=True)),
      "a scenario without milestones has no Milestones section")

# ---- Run ----------------------------------------------------------------------------------
run_ws = {r[0]: r for r in wb["Run"].iter_rows(values_only=True) if r[0]}
check(run_ws["Seed"][1] == str(doc["seed"]), "Run seed")
check(run_ws["Trials per scenario"][1] == doc["trials"], "Run trials")
check(run_ws["roisim version"][1] == doc["version"], "Run version")
check("--reproducible" in run_ws["Command line"][1], "Run command line recorded")
for s in scen:
    r = run_ws.get(s["name"])
    if check(r is not None, "Run lists %s" % s["name"]):
        digest = hashlib.sha256(open(s["file"], "rb").read()).hexdigest()
        # the file's name only: no folder of the machine that ran it
        check(r[2] == os.path.basename(s["file"]) and r[3] == digest, "SHA-256 of %s" % s["file"])

# ---- a date given, and the clock -----------------------------------------------------------
dated = os.path.join(work, "dated.xlsx")
run("-n", "50", "--quiet", "--xlsx", dated, "--date", "2026-03-31", os.path.join(src, "scenarios/base.lua"))
rw = {r[0]: r for r in openpyxl.load_workbook(dated)["Run"].iter_rows(values_only=True) if r[0]}
check(rw["Date and time"][1].startswith("2026-03-31"), "--date recorded: %r" % rw["Date and time"][1])
run("-n", "50", "--quiet", "--xlsx", dated, "--date", "2026-02-30", expect=2)

# ---- odd scenario names make valid, unique sheet names -------------------------------------
odd = os.path.join(work, "Very long scenario name: with [odd] chars*?.lua")
with open(os.path.join(src, "scenarios/base.lua"), "rb") as a, open(odd, "wb") as b:
    b.write(a.read())
clash = os.path.join(work, "drivers.lua")  # a scenario named like a fixed sheet
with open(os.path.join(src, "scenarios/base.lua"), "rb") as a, open(clash, "wb") as b:
    b.write(a.read())
oddx = os.path.join(work, "odd.xlsx")
run("-n", "100", "--quiet", "--xlsx", oddx, odd, os.path.join(src, "scenarios/base.lua"),
    os.path.join(src, "scenarios/base.lua"), clash)
owb = openpyxl.load_workbook(oddx)
check(owb.sheetnames == ["Summary", "Drivers", "Compare", "Goals", "Decisions",
                         "Very long scenario name_ with _", "base", "base~2", "drivers~2",
                         "Inputs", "Series", "Run"], "sanitized sheet names: %s" % owb.sheetnames)
check([len(owb[n]._charts) for n in owb.sheetnames[5:8]] == [8, 8, 8],
      "charts on sheets with odd names")
os.remove(odd)
os.remove(clash)

# A case that is not Meta's, in millions, with no goal seeks and no decisions: those
# sheets are left out, not printed empty.
fleet = os.path.join(work, "fleet.xlsx")
run("-n", "300", "--quiet", "--xlsx", fleet,
    *[os.path.join(src, "scenarios/examples", f) for f in
      ("fleet_routing.lua", "depots_slip.lua", "cheap_fuel.lua")])
fwb = openpyxl.load_workbook(fleet)
check(fwb.sheetnames == ["Summary", "Drivers", "Compare", "fleet_routing", "depots_slip",
                         "cheap_fuel", "Inputs", "Series", "Run"],
      "a run without goals or decisions has no Goals or Decisions sheet: %s" % fwb.sheetnames)
for ws in fwb.worksheets:
    for row in ws.iter_rows(values_only=True):
        for v in row:
            if isinstance(v, str):
                check(not v.startswith("(no "), "%s: an empty section is left out: %r"
                      % (ws.title, v))
check('"M"' in fwb["Summary"]["B11"].number_format, "the fleet case in millions: %s"
      % fwb["Summary"]["B11"].number_format)
os.remove(fleet)

# ---- trials CSV --------------------------------------------------------------------------------
with open(trials_csv, newline="") as fp:
    rd = csv.reader(fp)
    header = next(rd)
    check(header[:10] == ["scenario", "trial", "npv", "npv_horizon", "roi_multiple", "irr",
                          "payback", "total_spend", "total_revenue", "peak_active"],
          "CSV header: %s" % header[:10])
    cols = {}
    count = 0
    for r in rd:
        count += 1
        if r[0] == "v2_slips":
            for j, v in enumerate(r[2:], 2):
                cols.setdefault(header[j], []).append(float(v) if v else None)
check(count == len(scen) * int(TRIALS), "CSV has one row per trial (%d)" % count)
v2 = byname["v2_slips"]
npv = [v for v in cols["npv"]]
check(min(npv) == v2["outputs"]["npv"]["min"] and max(npv) == v2["outputs"]["npv"]["max"],
      "CSV npv extremes are the JSON's exactly")
check(abs(math.fsum(npv) / len(npv) - v2["outputs"]["npv"]["mean"]) <=
      1e-12 * abs(v2["outputs"]["npv"]["mean"]), "CSV npv mean is the JSON's")
irr = cols["irr"]
check(abs(sum(v is None for v in irr) / len(irr) - v2["outputs"]["irr"]["undefined_share"]) < 1e-12,
      "CSV irr empty exactly when undefined")
for i in v2["inputs"]:
    xs = cols[i["name"]]
    check(None not in xs, "CSV %s defined for every trial" % i["name"])
    m = math.fsum(xs) / len(xs)
    check(abs(m - i["mean"]) <= 1e-12 * max(1.0, abs(i["mean"])),
          "CSV input %s mean %r = JSON %r" % (i["name"], m, i["mean"]))

# ---- failures: unwritable target, earlier report left intact --------------------------------
p = run("-n", "50", "--quiet", "--xlsx", os.path.join(work, "no/such/dir/r.xlsx"), expect=1)
check("no/such/dir" in p.stderr, "the error names the target: %s" % p.stderr.strip())
before = open(xlsx, "rb").read()


def small_files():
    # A 64 KiB file size limit stands in for a full disk (works as root, unlike chmod).
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


p = run("-n", "500", "--quiet", "--seed", "9", "--xlsx", xlsx, expect=1, preexec_fn=small_files)
check("report.xlsx" in p.stderr, "disk-full error names the file: %s" % p.stderr.strip())
check(open(xlsx, "rb").read() == before, "the earlier report is untouched")
check(not any(f.startswith(".") for f in os.listdir(work)), "no temporary file after a failure")

print("%d checks, %d failures" % (checks[0], len(failures)))
sys.exit(1 if failures else 0)
