#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages that the build, the tests, the benchmarks and the demo need, and
# only those that are missing. Idempotent; runs as root without prompts (or through sudo).
# Usage: scripts/install-deps.sh [--quiet]
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang llvm
  libssl-dev openssl libcbor-dev libyaml-dev libcmocka-dev libsqlite3-dev
  libpq-dev postgresql
  libp11-dev libp11-kit-dev p11-kit-modules libengine-pkcs11-openssl softhsm2
  python3 python3-cbor2 python3-pytest python3-venv pandoc
  valgrind socat xxd bzip2 xz-utils debian-archive-keyring
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user
  libcoap3-bin
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" = "--quiet" ] || echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them as root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
