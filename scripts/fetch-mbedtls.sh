#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches the source of mbedTLS 3.6 LTS from Debian's `mbedtls` source package and unpacks it
# once into a cache folder, for the device library's own build of it (host and cross builds,
# each with config/mbedtls_config.h). Debian 12 ships only mbedTLS 2.28 binaries; Debian 13
# ("trixie") carries 3.6 as a source package.
#
# The machine's apt configuration is not touched: apt runs with a sources list of our own (one
# deb-src line, in the cache folder) and its own package-list folder, so nothing outside the cache
# changes. The download is checked by apt against Debian's signed Release file (the archive
# keyring of the machine). Idempotent: a cache that already holds the unpacked tree is reused
# without any network access.
#
# Usage: scripts/fetch-mbedtls.sh [--quiet]
# Prints the absolute path of the unpacked source tree on its last line of output.
# Environment:
#   FCC_CACHE_DIR       cache folder (default: $XDG_CACHE_HOME/fcc-provisioning or ~/.cache/...)
#   FCC_MBEDTLS_SUITE   Debian suite whose source package is used (default: trixie)
set -euo pipefail

quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
say() { [ $quiet -eq 1 ] || echo "fetch-mbedtls: $*" >&2; }

cache=${FCC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fcc-provisioning}
suite=${FCC_MBEDTLS_SUITE:-trixie}
base=$cache/mbedtls
mkdir -p "$base"

# Already unpacked? (the marker is written last, so a half-unpacked tree is redone)
for d in "$base"/mbedtls-3.6.*; do
  if [ -f "$d/.fcc-unpacked" ]; then
    say "using $d"
    echo "$d"
    exit 0
  fi
done

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "fetch-mbedtls: $keyring missing (package debian-archive-keyring)" >&2; exit 1; }
for tool in apt-get tar bzip2 xz; do
  command -v $tool >/dev/null 2>&1 || { echo "fetch-mbedtls: '$tool' not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

apt_dir=$base/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian $suite main" >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
          -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -qq)

say "reading Debian $suite's source index"
apt-get "${apt_opts[@]}" update >&2

dl=$(mktemp -d "$base/dl.XXXXXX")
trap 'rm -rf "$dl"' EXIT
say "downloading the mbedtls source package"
(cd "$dl" && apt-get "${apt_opts[@]}" source --download-only mbedtls >&2)

orig=$(ls "$dl"/mbedtls_3.6.*.orig.tar.* 2>/dev/null | head -n 1 || true)
[ -n "$orig" ] || { echo "fetch-mbedtls: Debian $suite's mbedtls is not 3.6.x: $(ls "$dl")" >&2; exit 1; }
ver=$(basename "$orig" | sed -E 's/^mbedtls_([0-9.]+)\.orig\.tar\..*$/\1/')
dest=$base/mbedtls-$ver
rm -rf "$dest"
mkdir -p "$dest"
tar -xf "$orig" -C "$dest" --strip-components=1
# Debian's own patches (debian/patches) concern packaging; the upstream tree is what we build.
cp "$dl"/*.dsc "$dest/.debian-source.dsc"
touch "$dest/.fcc-unpacked"
say "unpacked mbedTLS $ver into $dest"
echo "$dest"
