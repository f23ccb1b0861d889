#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches the source of mbedTLS 3.6 LTS from Debian's `mbedtls` source package and unpacks it
# once into a cache folder, for the device library's own build of it (host and cross builds,
# each with config/mbedtls_config.h). Debian 12 ships only mbedTLS 2.28 binaries; Debian 13
# ("trixie") carries 3.6 as a source package.
#
# The fetching itself is scripts/fetch-debian-source.sh (a private apt sources list and
# package-list folder in the cache, the machine's apt configuration untouched, the download
# checked against Debian's signed Release file, a tree unpacked before reused offline); this
# script picks the suite and refuses anything but 3.6.x.
#
# Usage: scripts/fetch-mbedtls.sh [--quiet]
# Prints the absolute path of the unpacked source tree on its last line of output.
# Environment:
#   FCC_CACHE_DIR       cache folder (default: $XDG_CACHE_HOME/fcc-provisioning or ~/.cache/...)
#   FCC_MBEDTLS_SUITE   Debian suite whose source package is used (default: trixie)
set -euo pipefail

quiet=()
[ "${1:-}" = "--quiet" ] && quiet=(--quiet)
here=$(cd "$(dirname "$0")" && pwd)
dir=$(bash "$here/fetch-debian-source.sh" mbedtls "${FCC_MBEDTLS_SUITE:-trixie}" "${quiet[@]}" | tail -n 1)
case $(basename "$dir") in
  mbedtls-3.6.*) echo "$dir" ;;
  *) echo "fetch-mbedtls: Debian ${FCC_MBEDTLS_SUITE:-trixie}'s mbedtls is not 3.6.x: $dir" >&2; exit 1 ;;
esac
