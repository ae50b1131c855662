#!/bin/sh
# Installs what the hardening steps need (clang + libFuzzer runtime, libomp for clang,
# valgrind), when missing; same rules as tools/deps.sh.
PKGS="clang-14 libclang-rt-14-dev libomp-14-dev valgrind"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "roisim: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        echo "roisim: apt-get failed; run: apt-get install$missing" >&2; exit 1; }
else
    echo "roisim: missing packages; run as root:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
