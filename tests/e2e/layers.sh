#!/bin/sh
# layers.sh - the engine's includes keep its layers: engine/ includes no header of a layer
# above it (lua/, reports/, cli/, nor Lua's, cJSON's or libxlsxwriter's), and no include
# circle joins its modules (module X depends on Y when engine/X.c or engine/X.h includes
# "Y.h"; tsort finds any circle, of two modules or more). A file named X_part.c or
# X_part.h belongs to module X when engine/X.h exists: model_trial.c and
# model_params.h are parts of the model module, as lapi.c and lapi.h are one module. The checker first runs on a
# planted circle and a planted upward include in WORK_DIR, and must fail there, so it
# cannot pass by checking nothing.
# Usage: sh layers.sh ROISIM SOURCE_DIR WORK_DIR   (ROISIM is not used)
src=$2
work=$3
if [ -z "$src" ] || [ -z "$work" ]; then
    echo "usage: $0 roisim-binary source-dir work-dir" >&2
    exit 2
fi

# module_of TREE NAME: the module of file stem NAME.
module_of() {
    head=${2%%_*}
    if [ "$head" != "$2" ] && [ -e "$1/engine/$head.h" ]; then
        echo "$head"
    else
        echo "$2"
    fi
}

# check TREE: prints each violation in TREE/engine; exits 1 when there is any.
check() {
    tree=$1
    bad=0
    pairs=$(mktemp) || exit 2
    for f in "$tree"/engine/*.c "$tree"/engine/*.h; do
        [ -e "$f" ] || continue
        base=$(basename "$f")
        mod=$(module_of "$tree" "${base%.*}")
        echo "$mod $mod" >> "$pairs" # every module is a node, even one with no includes
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            case "$inc" in
            */*)
                echo "engine/$base includes \"$inc\": a path outside engine/"
                bad=1
                continue ;;
            esac
            if [ ! -e "$tree/engine/$inc" ]; then
                for layer in lua reports cli; do
                    if [ -e "$tree/$layer/$inc" ]; then
                        echo "engine/$base includes \"$inc\" of $layer/, a layer above the engine"
                        bad=1
                    fi
                done
                continue
            fi
            dep=$(module_of "$tree" "${inc%.h}")
            [ "$dep" = "$mod" ] || echo "$dep $mod" >> "$pairs"
        done
        if grep -En '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(lua|lauxlib|lualib|cjson/|xlsxwriter)' "$f" > /dev/null; then
            echo "engine/$base includes Lua, cJSON or libxlsxwriter"
            bad=1
        fi
    done
    if ! tsort "$pairs" > /dev/null 2> "$pairs.err"; then
        echo "an include circle joins engine modules:"
        sed 's/^/  /' "$pairs.err"
        bad=1
    fi
    rm -f "$pairs" "$pairs.err"
    return $bad
}

# The checker must see a planted circle (stats.h -> sim.h -> stats.h) and a planted
# upward include.
rm -rf "$work" && mkdir -p "$work/plant/engine" "$work/plant/reports" || exit 1
printf '#include "sim.h"\n' > "$work/plant/engine/stats.h"
printf '#include "stats.h"\n' > "$work/plant/engine/sim.h"
printf '#include "stats.h"\n#include "report.h"\n' > "$work/plant/engine/results.c"
: > "$work/plant/reports/report.h"
if out=$(check "$work/plant"); then
    echo "FAIL: the checker passed a tree with a planted circle and upward include" >&2
    exit 1
fi
case "$out" in *circle*) ;; *) echo "FAIL: the planted circle went unseen: $out" >&2; exit 1 ;; esac
case "$out" in *"layer above"*) ;; *) echo "FAIL: the planted upward include went unseen" >&2; exit 1 ;; esac

if ! check "$src"; then
    echo "FAIL: engine/ includes break its layers (see above)" >&2
    exit 1
fi
echo "layers: engine/ includes nothing above it and no include circle joins its modules"
