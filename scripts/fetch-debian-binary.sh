#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches one Debian binary package for another architecture (libcbor-dev for s390x, ...) and
# unpacks it once into a cache folder, a sysroot of its own, for the big-endian cross build of the
# device tests: the s390x build links the same libcbor, from the same Debian release, that the
# host build links, instead of a copy. Needed because Debian's libcbor source package cannot be
# fetched from this project's mirror (scripts/fetch-debian-source.sh), while the binary packages
# of every architecture can.
#
# Same approach as scripts/fetch-debian-source.sh (the apt set-up both share is
# scripts/debian-apt.sh): apt runs with a sources list, package-list
# folder and (empty) dpkg status of our own in the cache, for ARCH alone (the machine's apt
# configuration and dpkg's architecture list are not touched: no `dpkg --add-architecture`), apt
# checks the download against Debian's signed Release file, the package is unpacked with
# `dpkg-deb -x` (nothing is installed), and a package unpacked before is reused without network.
#
# Usage: scripts/fetch-debian-binary.sh PACKAGE ARCH [SUITE] [--quiet]
#   SUITE defaults to bookworm (Debian 12), the release the host's packages come from.
# Several packages of one ARCH and SUITE unpack into the same sysroot folder
# ($cache/bin-SUITE-ARCH/root), so a library's -dev package and its runtime package meet there.
# Prints the absolute path of that sysroot on its last line of output.
# Environment: FCC_CACHE_DIR (default $XDG_CACHE_HOME/fcc-provisioning or ~/.cache/...).
set -euo pipefail

pkg=${1:-}
arch=${2:-}
[ -n "$pkg" ] && [ -n "$arch" ] || { echo "usage: $0 PACKAGE ARCH [SUITE] [--quiet]" >&2; exit 2; }
shift 2
suite=bookworm
quiet=0
for a in "$@"; do
  case $a in
    --quiet) quiet=1 ;;
    *) suite=$a ;;
  esac
done
case $pkg in *[!a-z0-9.+-]*) echo "fetch-debian-binary: bad package name '$pkg'" >&2; exit 2 ;; esac
case $arch in *[!a-z0-9]*) echo "fetch-debian-binary: bad architecture '$arch'" >&2; exit 2 ;; esac
say() { [ $quiet -eq 1 ] || echo "fetch-debian-binary: $*" >&2; }

tag=fetch-debian-binary
. "$(dirname "$0")/debian-apt.sh"
cache=$(debian_cache_dir)
base=$cache/bin-$suite-$arch
root=$base/root
mkdir -p "$root"

# Already unpacked? (the marker is written last, so a half-unpacked package is redone)
if [ -f "$base/$pkg.unpacked" ]; then
  say "using $pkg:$arch $(cat "$base/$pkg.unpacked") in $root"
  echo "$root"
  exit 0
fi

apt_dir=$base/apt
debian_apt_setup "$apt_dir" "deb [arch=$arch signed-by=@KEYRING@] http://deb.debian.org/debian $suite main" \
  apt-get dpkg-deb -- -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
debian_apt_update "$apt_dir" '*Packages*' "Debian $suite's $arch package index"

dl=$(mktemp -d "$base/dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT
say "downloading $pkg:$arch"
(cd "$dl" && apt-get "${apt_opts[@]}" download "$pkg:$arch" >&2)

deb=$(ls "$dl/${pkg}"_*_"$arch".deb 2>/dev/null | head -n 1 || true)
[ -n "$deb" ] || { echo "fetch-debian-binary: no $arch package for $pkg in: $(ls "$dl")" >&2; exit 1; }
ver=$(dpkg-deb -f "$deb" Version)
dpkg-deb -x "$deb" "$root"
echo "$ver" >"$base/$pkg.unpacked"
say "unpacked $pkg:$arch $ver into $root"
echo "$root"
