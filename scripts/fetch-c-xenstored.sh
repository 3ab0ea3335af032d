#!/bin/sh
# Fetches Debian's C xenstored (from xen-utils-4.17, unpacked, not installed) and the
# libraries it links, for `npm run bench -- xenstore` to compare against.
# Usage: scripts/fetch-c-xenstored.sh   (needs apt; installs libxenevtchn1,
# libxengnttab1 and libxenmisc4.17, and unpacks the package under .cache/c-xenstored)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/.cache/c-xenstored"
mkdir -p "$dest"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libxenevtchn1 libxengnttab1 libxenmisc4.17
cd "$dest"
rm -f xen-utils-4.17_*.deb
apt-get download xen-utils-4.17
dpkg-deb -x xen-utils-4.17_*.deb root
bin=$(find "$dest/root" -path '*/bin/xenstored' -type f | head -1)
echo "C xenstored: $bin"
