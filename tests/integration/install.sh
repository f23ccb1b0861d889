#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The installed tree, used as its users would: `cmake --install` into a temporary prefix; the
# README's device example built out of tree with pkg-config and with find_package (shared and
# static) and run; a program on libfcu built with find_package(fcu); the Python package installed
# with `python3 -m pip install ./python` into a fresh virtual environment (no package index), and
# the demo factory tool (examples/factory_tool.py) provisioning the installed fcc-device.
# Usage: install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d /tmp/fcc-install.XXXXXX)
devpid=""
cleanup() {
  [ -n "$devpid" ] && kill "$devpid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
for f in bin/fcu bin/fcc-device include/fcc/fcc.h include/fcu/fcu.h include/fcu/fcu_line.h \
         include/fcu/fcu_registry.h share/man/man1/fcu.1 share/man/man1/fcc-device.1; do
  [ -s "$prefix/$f" ] && ok "installed $f" || fail "missing $f"
done
libdir=$(dirname "$(find "$prefix" -name fcc.pc | head -n 1)")/..
libdir=$(cd "$libdir" && pwd)
# The installed fcu is a front over the installed libfcu.so: its run path is relative to its own
# folder ($ORIGIN), never the build tree, so it runs wherever the prefix is.
rp=$(readelf -d "$prefix/bin/fcu" | grep -E 'R(UN)?PATH' || true)
case "$rp" in *'$ORIGIN'*) ok "installed fcu: run path $rp" ;; *) fail "installed fcu run path: '$rp'" ;; esac
case "$rp" in *"$build"*) fail "installed fcu's run path names the build tree: $rp" ;; esac
lib_used=$(env -u LD_LIBRARY_PATH ldd "$prefix/bin/fcu" | awk '/libfcu\.so/ {print $3}')
[ "$(readlink -f "$lib_used")" = "$(readlink -f "$libdir/libfcu.so")" ] \
  && ok "installed fcu loads the installed libfcu ($lib_used)" || fail "installed fcu loads '$lib_used'"
env -u LD_LIBRARY_PATH "$prefix/bin/fcu" --version | grep -q '^fcu ' \
  && ok "installed fcu runs" || fail "installed fcu does not run"
for f in libfcc.a libfcc.so libfcc_connect.a libfcc_connect.so libfcu.so pkgconfig/fcu.pc pkgconfig/fcc-connect.pc cmake/fcc/fccConfig.cmake cmake/fcu/fcuConfig.cmake; do
  [ -e "$libdir/$f" ] && ok "installed $(basename "$libdir")/$f" || fail "missing $f"
done
grep -q '^\.TH "FCU" "1"' "$prefix/share/man/man1/fcu.1" && ok "fcu.1 is a manual page" || fail "fcu.1"

# the tree is moved after installation: every file finds its prefix from where it is
mv "$prefix" "$tmp/moved"
prefix=$tmp/moved
libdir=${libdir/$tmp\/prefix/$prefix}
ok_bundle=$src/tests/vectors/bundle/ok_full_bootstrap.1.cbor

# 1. pkg-config, shared
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c11 -o "$tmp/dm_pc" "$src/examples/device_minimal.c" $(pkg-config --cflags --libs fcc) ||
  fail "device_minimal with pkg-config"
LD_LIBRARY_PATH=$libdir "$tmp/dm_pc" "$ok_bundle" >"$tmp/dm_pc.out" 2>&1 || true
grep -q "ReturnStatus 0" "$tmp/dm_pc.out" && ok "pkg-config build runs: $(head -n 1 "$tmp/dm_pc.out")" ||
  fail "pkg-config build: $(cat "$tmp/dm_pc.out")"
# pkg-config, static
cc -std=c11 -o "$tmp/dm_static" "$src/examples/device_minimal.c" $(pkg-config --cflags fcc) \
  "$libdir/libfcc.a" $(pkg-config --static --libs-only-l fcc | sed 's/-lfcc//') ||
  fail "device_minimal static with pkg-config"
"$tmp/dm_static" "$ok_bundle" | grep -q "ReturnStatus 0" && ok "static build runs" || fail "static build"

# the connect check (libfcc_connect over libfcc), pkg-config: built with the installed headers
# only (no mbedTLS header needed), run against a loopback port nobody listens on (status 7)
cc -std=c11 -o "$tmp/dc_pc" "$src/examples/device_connect.c" $(pkg-config --cflags --libs fcc-connect) ||
  fail "device_connect with pkg-config"
out=$(LD_LIBRARY_PATH=$libdir "$tmp/dc_pc" "$ok_bundle" coaps://127.0.0.1:9 3 2>&1 || true)
echo "$out" | grep -q "^connect-check: status 7 (network-error)" && ok "connect check (pkg-config) runs: $out" ||
  fail "connect check (pkg-config): $out"

# 2. find_package(fcc) and find_package(fcu), out of tree
mkdir -p "$tmp/proj"
cp "$src/examples/device_minimal.c" "$tmp/proj/"
cp "$src/examples/device_connect.c" "$tmp/proj/"
cat >"$tmp/proj/fcu_version.c" <<'C'
#include <fcu/fcu.h>
#include <stdio.h>
int main(void)
{
    fcu_tool_t *t = NULL;
    if (fcu_tool_open("/nonexistent-home", NULL, &t) != FCU_TOOL_OK)
        return 1;
    fcu_tool_setup_status_t *st = NULL;
    int rc = fcu_tool_get_setup_status(t, &st);
    printf("%s; setup status %d\n", fcu_tool_version(), rc == 0 ? st->status : -1);
    fcu_tool_setup_status_free(st);
    fcu_tool_close(t);
    return 0;
}
C
cat >"$tmp/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(fcc REQUIRED)
find_package(fcu REQUIRED)
add_executable(dm_shared device_minimal.c)
target_link_libraries(dm_shared PRIVATE fcc::fcc)
add_executable(dm_static device_minimal.c)
target_link_libraries(dm_static PRIVATE fcc::fcc_static)
add_executable(dc_static device_connect.c)
target_link_libraries(dc_static PRIVATE fcc::fcc_connect_static)
add_executable(fcu_version fcu_version.c)
target_link_libraries(fcu_version PRIVATE fcu::fcu)
CM
if cmake -S "$tmp/proj" -B "$tmp/proj/b" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/cm.log" 2>&1 &&
   cmake --build "$tmp/proj/b" >>"$tmp/cm.log" 2>&1; then
  ok "find_package(fcc) and find_package(fcu) consumers build"
  "$tmp/proj/b/dm_shared" "$ok_bundle" | grep -q "ReturnStatus 0" && ok "fcc::fcc runs" || fail "fcc::fcc"
  "$tmp/proj/b/dm_static" "$ok_bundle" | grep -q "ReturnStatus 0" && ok "fcc::fcc_static runs" || fail "fcc::fcc_static"
  out=$("$tmp/proj/b/dc_static" "$ok_bundle" coaps://127.0.0.1:9 3 2>&1 || true)
  echo "$out" | grep -q "^connect-check: status 7 (network-error)" && ok "fcc::fcc_connect_static runs" ||
    fail "fcc::fcc_connect_static: $out"
  out=$("$tmp/proj/b/fcu_version" 2>&1 || true)
  echo "$out" | grep -q "^libfcu .*setup status 1" && ok "fcu::fcu runs: $out" || fail "fcu::fcu: $out"
else
  cat "$tmp/cm.log"
  fail "find_package consumers"
fi

# 3. the Python package into a fresh virtual environment, without a package index
/usr/bin/python3 -m venv "$tmp/venv"
if (cd "$src" && PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 "$tmp/venv/bin/python3" -m pip install ./python) \
     >"$tmp/pip.log" 2>&1; then
  ok "python3 -m pip install ./python (no index)"
else
  cat "$tmp/pip.log"
  fail "pip install"
fi

# 4. the demo factory tool on the installed package, libfcu and fcc-device
export LD_LIBRARY_PATH=$libdir
unset FCU_LIBRARY PYTHONPATH
home=$tmp/home
mkdir -p "$home/config"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/bs.key" \
  -out "$home/config/bs-ca.pem" -subj "/CN=Install Test Bootstrap CA" -days 7300 2>/dev/null
cat >"$home/config/fcu.yml" <<'YML'
use-bootstrap: true
first-to-claim: false
bootstrap-server-uri: "coaps://bootstrap.example.com:5684?aid=0164c1a4f39b2a6e1b7e8e8e00000001"
bootstrap-server-ca-certificate-file: bs-ca.pem
device-key-generation-mode: by_tool
device-info:
  manufacturer-name: Install Test
  model-number: IT-1
  device-type: sensor
  hardware-version: "1.0"
  memory-total-size: 512
YML
export FCU_HOME_DIR=$home
cd "$tmp"
"$tmp/venv/bin/python3" -c "import fcu, sys; print(fcu.__file__)" | grep -q "$tmp/venv" &&
  ok "the venv imports the installed package" || fail "import from the venv"
"$tmp/venv/bin/python3" "$src/examples/factory_tool.py" setup >"$tmp/setup.out" 2>&1 &&
  ok "factory_tool.py setup" || fail "factory_tool.py setup: $(cat "$tmp/setup.out")"
"$prefix/bin/fcc-device" --store "$tmp/dev.img" serve --tcp 127.0.0.1:0 --once >"$tmp/dev.out" 2>&1 &
devpid=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$tmp/dev.out" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.05
done
if "$tmp/venv/bin/python3" "$src/examples/factory_tool.py" inject --endpoint-name inst-ep-1 \
     --serial-number SN-INST-1 tcp --ip 127.0.0.1 --port "$port" >"$tmp/inject.out" 2>&1; then
  ok "factory_tool.py provisioned the device: $(grep ReturnStatus "$tmp/inject.out")"
else
  fail "factory_tool.py inject: $(cat "$tmp/inject.out")"
fi
wait "$devpid" 2>/dev/null || true
devpid=""
"$prefix/bin/fcc-device" --store "$tmp/dev.img" get mbed.EndpointName | grep -q inst-ep-1 &&
  ok "the device holds its endpoint name" || fail "device items"

echo
[ "$failures" -eq 0 ] && { echo "install: all checks passed"; exit 0; }
echo "install: $failures checks failed"
exit 1
