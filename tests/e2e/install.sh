#!/bin/sh
# install.sh - an installed tree works wherever it is moved: `cmake --install` into a
# temporary prefix, the prefix moved elsewhere, then `roisim list`, the bundled
# scenarios and a what-if that extends a bundled one, run from an unrelated folder with
# ROISIM_SCENARIOS unset; `roisim paths` must say the data came from beside the
# executable (not from the source tree, which a binary in its build folder falls back
# to). Also checks the installed files and the man page.
# Usage: sh install.sh ROISIM_BINARY SOURCE_DIR WORK_DIR
roisim=$1
src=$2
work=$3
if [ -z "$roisim" ] || [ -z "$src" ] || [ -z "$work" ]; then
    echo "usage: $0 roisim-binary source-dir work-dir" >&2
    exit 2
fi
case "$roisim" in /*) ;; *) roisim="$(pwd)/$roisim" ;; esac
case "$src" in /*) ;; *) src="$(pwd)/$src" ;; esac
case "$work" in /*) ;; *) work="$(pwd)/$work" ;; esac
build=$(dirname "$roisim")
rm -rf "$work" && mkdir -p "$work" || exit 1
# Outside the source and build trees, so nothing can be found relative to them.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/roisim-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
unset ROISIM_SCENARIOS DESTDIR
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

if ! cmake --install "$build" --prefix "$tmp/first" >"$work/install.log" 2>&1; then
    cat "$work/install.log" >&2
    echo "FAIL: cmake --install failed" >&2
    exit 1
fi
mv "$tmp/first" "$tmp/moved" || exit 1
prefix=$tmp/moved
bin=$prefix/bin/roisim

for f in bin/roisim share/roisim/scenarios/BUNDLE share/roisim/scenarios/base.lua \
    share/doc/roisim/README.md share/doc/roisim/LICENSE share/doc/roisim/model.md \
    share/doc/roisim/scenarios.md share/man/man1/roisim.1; do
    [ -f "$prefix/$f" ] || fail "$f was not installed"
done
# Every bundled scenario the BUNDLE file lists is there.
for f in $(grep -v '^#' "$src/scenarios/BUNDLE" | grep .); do
    [ -f "$prefix/share/roisim/scenarios/$f" ] || fail "bundled scenario $f was not installed"
done

mkdir -p "$tmp/elsewhere" && cd "$tmp/elsewhere" || exit 1

"$bin" paths >"$work/paths" 2>&1 || fail "roisim paths exited $?"
grep -q "^scenarios   $prefix/share/roisim/scenarios (installed beside the executable)\$" \
    "$work/paths" || fail "roisim paths does not name the moved tree's scenarios: $(cat "$work/paths")"
grep -q "^docs        $prefix/share/doc/roisim\$" "$work/paths" ||
    fail "roisim paths does not name the moved tree's docs"
grep -q "^man page    $prefix/share/man/man1/roisim.1\$" "$work/paths" ||
    fail "roisim paths does not name the moved tree's man page"
"$bin" --version --verbose | grep -q "^scenarios   $prefix/" ||
    fail "roisim --version --verbose does not name the moved tree"
"$bin" --help | tr '\n' ' ' | grep -q "Here: $prefix/share/roisim/scenarios" ||
    fail "roisim --help does not say where the scenarios are read from"

"$bin" list >"$work/list" 2>&1 || fail "roisim list exited $?: $(cat "$work/list")"
grep -q "^base " "$work/list" || fail "roisim list does not list base"
[ "$(wc -l <"$work/list")" -eq "$(grep -v '^#' "$src/scenarios/BUNDLE" | grep -c .)" ] ||
    fail "roisim list does not list every bundled scenario"

"$bin" run -n 300 --quiet --json bundled.json >"$work/run" 2>&1 ||
    fail "roisim run (every bundled scenario) exited $?: $(cat "$work/run")"
grep -q '"name":[[:space:]]*"v2_slips"' bundled.json 2>/dev/null || fail "the run's JSON lacks v2_slips"

# A what-if of the user's own, beside nothing: `extends` finds the installed base.
cat >mine.lua <<'EOF'
scenario { title = "mine", extends = "base" }
EOF
"$bin" run mine.lua -n 300 --quiet --json mine.json >"$work/mine" 2>&1 ||
    fail "a what-if extending the installed base exited $?: $(cat "$work/mine")"

# roisim-mpi, when it was built, is installed beside roisim and finds the same tree
# (run as a single MPI process, without a launcher).
if [ -x "$build/roisim-mpi" ]; then
    [ -x "$prefix/bin/roisim-mpi" ] || fail "bin/roisim-mpi was not installed"
    "$prefix/bin/roisim-mpi" run mine.lua -n 300 --quiet --json mine-mpi.json \
        >"$work/mpi" 2>&1 || fail "the installed roisim-mpi exited $?: $(cat "$work/mpi")"
    cmp -s mine.json mine-mpi.json || fail "the installed roisim-mpi wrote other bytes"
fi

# $ROISIM_SCENARIOS still wins.
mkdir -p empty
ROISIM_SCENARIOS="$tmp/elsewhere/empty" "$bin" list >"$work/env" 2>&1
[ $? -eq 1 ] && grep -q "elsewhere/empty/BUNDLE" "$work/env" ||
    fail "ROISIM_SCENARIOS does not override the installed scenarios: $(cat "$work/env")"

# The man page formats without warnings and names every option of the table.
man=$prefix/share/man/man1/roisim.1
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z "$man" >"$work/groff" 2>&1 || fail "groff failed on the man page"
    [ -s "$work/groff" ] && fail "groff warns about the man page: $(cat "$work/groff")"
fi
"$build/roisim-doc" table | cut -f1 | while read -r name; do
    escaped=$(printf '%s' "$name" | sed 's/-/\\\\-/g')
    grep -q "^\\\\fB\\\\-\\\\-$escaped\\\\fR\|, \\\\fB\\\\-\\\\-$escaped\\\\fR" "$man" ||
        echo "--$name"
done >"$work/missing"
[ -s "$work/missing" ] && fail "the man page lacks: $(cat "$work/missing" | tr '\n' ' ')"
for section in SYNOPSIS COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
    grep -q "^\.SH \"*$section\"*\$" "$man" || fail "the man page has no $section section"
done

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "install: a moved installed tree runs the bundled scenarios from $tmp/elsewhere"
