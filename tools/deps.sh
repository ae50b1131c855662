#!/bin/sh
# Installs the Debian packages roisim needs, when missing. As root it runs apt-get;
# otherwise it prints the one command to run and stops. With arguments, it installs
# those packages instead (fuzz/deps.sh uses this for the hardening tools).
PKGS="build-essential cmake pkg-config liblua5.4-dev libgsl-dev libcjson-dev libxlsxwriter-dev libcmocka-dev python3 python3-openpyxl"
# Open MPI, for roisim-mpi and its test (docs/cluster.md): CI installs it so that the
# promise "the same bytes over any number of ranks" is tested on every change; it adds
# about a minute of packages and one test. ROI_MPI=OFF leaves it out.
[ "${ROI_MPI:-AUTO}" = OFF ] || PKGS="$PKGS libopenmpi-dev openmpi-bin"
[ $# -gt 0 ] && PKGS="$*"
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
