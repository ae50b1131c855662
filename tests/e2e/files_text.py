#!/usr/bin/env python3
"""files_text.py - what reaches other programs: valid UTF-8 JSON,
well-formed workbook XML, and CSV that a spreadsheet opens as text, whatever bytes a
scenario's title, names or file name hold.

Every case runs one scenario and checks: the JSON decodes as UTF-8 and parses, with
each ill-formed sequence replaced by one U+FFFD (per maximal subpart) and valid text
unchanged; every XML part of the workbook parses (expat: UTF-8 and XML 1.0's
characters); the CSV is UTF-8, a text field that starts with = + - @, tab, carriage
return or an apostrophe is quoted with an apostrophe added, and numbers (-1.5) are
never touched; a chart name starting with '=' is not taken for a cell reference.

Usage: python3 files_text.py ROISIM SOURCE_DIR WORK_DIR
"""
import csv
import io
import json
import os
import sys
import xml.dom.minidom
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from filecases import Corpus  # noqa: E402

c = Corpus("files_text")
FFFD = "\ufffd"


def lua_bytes(b):
    """A Lua string literal holding exactly the bytes b."""
    return '"' + "".join(chr(x) if 32 <= x < 127 and chr(x) not in '"\\' else "\\%d" % x
                         for x in b) + '"'


def run_case(name, title=b"plain", fname="s.lua", extra_lua="", analysis=False, status=0):
    d = c.folder(name)
    os.unlink(os.path.join(d, "s.lua"))
    path = os.path.join(d.encode(), fname.encode("utf-8", "surrogateescape")
                        if isinstance(fname, str) else fname)
    with open(path, "wb") as fp:
        fp.write(b"scenario { title = " + lua_bytes(title).encode() +
                 b', extends = "base" }\n' + extra_lua.encode())
    arg = os.path.relpath(path, d.encode())
    if not arg.startswith(b"./"):
        arg = b"./" + arg
    args = ["--json", "r.json", "--xlsx", "r.xlsx", "--trials-csv", "r.csv", arg]
    if analysis:
        proc = c.run(["run", "-q", "-n", "200"] + args, d, extra=False)
    else:
        proc = c.run(args, d)
    ok = c.expect(name + ": run", proc, status)
    if status != 0:
        return proc
    return d if ok else None


def check_json(name, d, want_title=None, want_name=None):
    raw = open(os.path.join(d, "r.json"), "rb").read()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        c.check(name + ": JSON is UTF-8 and parses", False, str(e))
        return None
    c.check(name + ": JSON is UTF-8 and parses", True)
    sc = doc["scenarios"][0]
    if want_title is not None:
        c.check(name + ": JSON title", sc["title"] == want_title,
                "%r != %r" % (sc["title"], want_title))
    if want_name is not None:
        c.check(name + ": JSON name", sc["name"] == want_name, "%r != %r" % (sc["name"], want_name))
    return doc


def check_xml(name, d):
    bad = []
    with zipfile.ZipFile(os.path.join(d, "r.xlsx")) as z:
        for part in z.namelist():
            if part.endswith(".xml") or part.endswith(".rels"):
                try:
                    xml.dom.minidom.parseString(z.read(part))
                except Exception as e:  # expat's ExpatError
                    bad.append("%s: %s" % (part, e))
    c.check(name + ": every workbook part is well-formed XML", not bad, "; ".join(bad))


def csv_rows(name, d):
    raw = open(os.path.join(d, "r.csv"), "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        c.check(name + ": CSV is UTF-8", False, str(e))
        return []
    c.check(name + ": CSV is UTF-8", True)
    return raw, list(csv.reader(io.StringIO(text, newline="")))


def all_checks(name, d, **want):
    check_json(name, d, **want)
    check_xml(name, d)
    return csv_rows(name, d)


# ---- ill-formed UTF-8, each replaced by one U+FFFD per maximal subpart -------------------------

cases = [
    ("invalid_byte_ff", b"a\xffb", "a" + FFFD + "b"),
    ("lone_continuation", b"a\x80\x80b", "a" + FFFD * 2 + "b"),
    ("overlong_slash", b"a\xc0\xafb", "a" + FFFD * 2 + "b"),
    ("surrogate_half", b"a\xed\xa0\x80b", "a" + FFFD * 3 + "b"),
    ("above_u10ffff", b"a\xf4\x90\x80\x80b", "a" + FFFD * 4 + "b"),
    ("truncated_euro", b"a\xe2\x82b", "a" + FFFD + "b"),
    ("five_byte_form", b"a\xf8\x88\x80\x80\x80b", "a" + FFFD * 5 + "b"),
    ("truncated_at_end", b"ab\xf0\x9f\x98", "ab" + FFFD),
]
for name, title, want in cases:
    d = run_case(name, title)
    if d:
        all_checks(name, d, want_title=want)

# Valid UTF-8 passes unchanged, in all three reports.
d = run_case("valid_utf8_unchanged", "Café 😀 漢字".encode())
if d:
    raw, rows = all_checks("valid_utf8_unchanged", d, want_title="Café 😀 漢字")
    with zipfile.ZipFile(os.path.join(d, "r.xlsx")) as z:
        c.check("valid_utf8_unchanged: the workbook holds the title",
                "Café 😀 漢字" in z.read("xl/sharedStrings.xml").decode())

# Control characters: JSON escapes them; XML 1.0 forbids them, so the workbook shows
# U+FFFD instead (tab, line feed and carriage return stay).
# Control characters in a title are refused where they are written (a title reaches
# terminals, which would act on them), naming the file, line and byte; nothing is written.
proc = run_case("control_characters", b"bell\x07 esc\x1b[31m vt\x0b del\x7f tab\tend", status=1)
err = proc.stderr.decode("utf-8", "replace") if isinstance(proc.stderr, bytes) else proc.stderr
c.check("control_characters: the message names the file, line and byte",
        "s.lua:1:" in err and "control character" in err and "byte 7" in err, err)
c.check("control_characters: no report written",
        not any(os.path.exists(os.path.join(c.work, "control_characters", f))
                for f in ("r.json", "r.xlsx", "r.csv")))

# A file name that is not UTF-8: the scenario's name, its sheet name, its CSV rows.
d = run_case("file_name_not_utf8", b"t", fname=b"ev\xffil.lua")
if d:
    raw, rows = all_checks("file_name_not_utf8", d, want_name="ev" + FFFD + "il")
    c.check("file_name_not_utf8: CSV rows name it with U+FFFD",
            len(rows) > 1 and rows[1][0] == "ev" + FFFD + "il", rows[1][0] if len(rows) > 1 else "")
    with zipfile.ZipFile(os.path.join(d, "r.xlsx")) as z:
        c.check("file_name_not_utf8: the sheet is named with U+FFFD",
                ("ev" + FFFD + "il") in z.read("xl/workbook.xml").decode())

# ---- formula injection in the CSV ----------------------------------------------------------------

def first_fields(raw):
    """The raw bytes of each line's first field (the scenario column)."""
    return [line.split(b",")[0] for line in raw.split(b"\n")[1:3]]


for name, fname, field in [
        ("csv_name_equals", "=1+2+cmd|calc.lua", b"\"'=1+2+cmd|calc\""),
        ("csv_name_plus", "+1+1.lua", b"\"'+1+1\""),
        ("csv_name_minus", "-2+3.lua", b"\"'-2+3\""),
        ("csv_name_at", "@SUM(A1).lua", b"\"'@SUM(A1)\""),
        ("csv_name_tab", "\tx.lua", b"\"'\tx\""),
        ("csv_name_apostrophe", "'quoted.lua", b"\"''quoted\""),
]:
    d = run_case(name, b"t", fname=fname)
    if not d:
        continue
    raw = open(os.path.join(d, "r.csv"), "rb").read()
    got = first_fields(raw)
    c.check(name + ": the scenario field is quoted text with an apostrophe",
            got and all(g == field for g in got), "%r" % got)

d = run_case("csv_name_carriage_return", b"t", fname="\rx.lua")
if d:
    raw, rows = csv_rows("csv_name_carriage_return", d)
    c.check("csv_name_carriage_return: read back as text", len(rows) > 1 and rows[1][0] == "'\rx",
            repr(rows[1][0]) if len(rows) > 1 else "")

hyper = 'frontier.slope = normal(5, 1.5):named("=HYPERLINK(\\"http://x\\",\\"y\\")")\n'
d = run_case("csv_input_named_hyperlink", b"t", extra_lua=hyper)
if d:
    raw = open(os.path.join(d, "r.csv"), "rb").read()
    header = raw.split(b"\n")[0]
    c.check("csv_input_named_hyperlink: header field neutralised",
            b",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"," in header, header[:200].decode())
    # Numbers are numbers: negative values are written bare, never quoted or marked.
    rows = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    negatives = [f for r in rows[1:] for f in r[2:] if f.startswith("-")]
    c.check("csv_negative_numbers_untouched", negatives and all(float(f) < 0 for f in negatives)
            and b",'-" not in raw and b"\"-" not in raw, "%d negatives" % len(negatives))

# ---- chart names: '=' would be a cell reference to libxlsxwriter ---------------------------------

# Surfaces are named with letters, digits and _; a scenario's name (its file name) is
# free, and starts the tornado chart's title.
d = run_case("chart_names_starting_with_equals", b"t", fname="=evil.lua", analysis=True)
if d:
    all_checks("chart_names_starting_with_equals", d)
    with zipfile.ZipFile(os.path.join(d, "r.xlsx")) as z:
        charts = {p: z.read(p).decode() for p in z.namelist() if p.startswith("xl/charts/")}
    refs = [p for p, t in charts.items() if "<c:f>evil" in t]
    c.check("chart_names_starting_with_equals: no name became a reference", not refs, str(refs))
    c.check("chart_names_starting_with_equals: the names are shown as text",
            any("'=evil: NPV" in t for t in charts.values()))

c.finish(minimum=50)
