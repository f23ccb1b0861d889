#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches the upstream source of one Debian source package (libcbor, cmocka, ...) and unpacks it
# once into a cache folder, for the cross builds of the device library (Cortex-M board and
# big-endian s390x): those targets have no Debian binary packages of these libraries on this
# machine, so they are built from the same source Debian builds its packages from. The host build
# keeps using Debian's binary packages.
#
# apt runs with a configuration of our own in the cache (scripts/debian-apt.sh, shared with
# fetch-debian-binary.sh; the machine's apt configuration is not touched), apt checks the
# download against Debian's signed Release file, and a tree unpacked before is reused without
# network access.
#
# Usage: scripts/fetch-debian-source.sh PACKAGE [SUITE] [--quiet]
#   SUITE defaults to bookworm (Debian 12), the release whose binary packages the host uses, so
#   that host and cross builds compile the same library version.
# Prints the absolute path of the unpacked source tree on its last line of output.
# Environment: FCC_CACHE_DIR (default $XDG_CACHE_HOME/fcc-provisioning or ~/.cache/...).
set -euo pipefail

pkg=${1:-}
[ -n "$pkg" ] || { echo "usage: $0 PACKAGE [SUITE] [--quiet]" >&2; exit 2; }
shift
suite=bookworm
quiet=0
for a in "$@"; do
  case $a in
    --quiet) quiet=1 ;;
    *) suite=$a ;;
  esac
done
case $pkg in *[!a-z0-9.+-]*) echo "fetch-debian-source: bad package name '$pkg'" >&2; exit 2 ;; esac
say() { [ $quiet -eq 1 ] || echo "fetch-debian-source: $*" >&2; }

tag=fetch-debian-source
. "$(dirname "$0")/debian-apt.sh"
cache=$(debian_cache_dir)
base=$cache/src-$suite
mkdir -p "$base"

# Already unpacked? (the marker is written last, so a half-unpacked tree is redone)
for d in "$base/$pkg"-*; do
  if [ -f "$d/.fcc-unpacked" ]; then
    say "using $d"
    echo "$d"
    exit 0
  fi
done

apt_dir=$base/apt
debian_apt_setup "$apt_dir" "deb-src [signed-by=@KEYRING@] http://deb.debian.org/debian $suite main" \
  apt-get tar bzip2 xz
debian_apt_update "$apt_dir" '*Sources*' "Debian $suite's source index"

dl=$(mktemp -d "$base/dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT
say "downloading the $pkg source package"
(cd "$dl" && apt-get "${apt_opts[@]}" source --download-only "$pkg" >&2)

orig=$(ls "$dl/${pkg}"_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n 1 || true)
[ -n "$orig" ] || { echo "fetch-debian-source: no upstream tarball for $pkg in: $(ls "$dl")" >&2; exit 1; }
ver=$(basename "$orig" | sed -E "s/^${pkg}_(.+)\.orig\.tar\..*$/\1/")
dest=$base/$pkg-$ver
rm -rf "$dest"
mkdir -p "$dest"
tar -xf "$orig" -C "$dest" --strip-components=1
cp "$dl"/*.dsc "$dest/.debian-source.dsc"
touch "$dest/.fcc-unpacked"
say "unpacked $pkg $ver into $dest"
echo "$dest"
