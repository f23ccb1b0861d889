#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make size`: the device library's footprint. Prints, for the Cortex-M4 -Os build
# (cmake/toolchain-cortex-m4.cmake, one section per function and object):
#   - .text, .rodata, .data, .bss per module (fcc, kcm, store, framing), then mbedTLS 3.6 (with
#     config/mbedtls_config.h + ports/cortex-m/mbedtls_target_config.h) and the libcbor subset;
#   - the linked image of a whole device (tests/target/board_apply: port, library, mbedTLS, libc)
#     after --gc-sections;
#   - the peak stack of the public entry points, the static RAM of the device objects and the
#     mbedTLS heap peak for one bundle, measured on the emulated board (stack painting);
# then the same per-module table for x86-64 -Os, and ends with the line
#   device library .text (cortex-m4, -Os): N bytes
# where N is arm-none-eabi-size's text column (.text + .rodata) summed over the objects of
# lib/fcc, lib/kcm, lib/store and lib/ftcd. Figures, not a test. Usage: scripts/size.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-build-size}
mkdir -p "$out"
out=$(cd "$out" && pwd)

cmocka=$(scripts/fetch-debian-source.sh cmocka --quiet | tail -n 1)
mbedtls=$(scripts/fetch-mbedtls.sh --quiet | tail -n 1)

echo "size: building the Cortex-M4 -Os cross build in $out/m4" >&2
cmake -S tests/target -B "$out/m4" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-cortex-m4.cmake" \
  -DFCC_CMOCKA_SOURCE="$cmocka" -DFCC_MBEDTLS_SOURCE="$mbedtls" >/dev/null
cmake --build "$out/m4" -j 2 --target fcc_store fcc_kcm fcc_core fcc_ftcd fcc_mbedtls fcc_cbor \
  board_apply >/dev/null

# x86-64 -Os objects of the same sources (same include paths and mbedTLS configuration).
echo "size: compiling the x86-64 -Os objects in $out/x86-64" >&2
for m in fcc kcm store ftcd; do
  mkdir -p "$out/x86-64/$m"
  for c in lib/$m/*.c; do
    gcc -std=c11 -Os -ffunction-sections -fdata-sections -Iinclude -Ilib/common -Iconfig -I"$mbedtls/include" \
      -DMBEDTLS_CONFIG_FILE="\"$root/config/mbedtls_config.h\"" -c "$c" \
      -o "$out/x86-64/$m/$(basename "$c" .c).o"
  done
done

# Objects per module of the cross build, extracted from its archives.
for a in fcc_core:fcc fcc_kcm:kcm fcc_store:store fcc_ftcd:framing fcc_mbedtls:mbedtls fcc_cbor:libcbor-subset; do
  lib=${a%%:*}; name=${a##*:}
  rm -rf "$out/m4-obj/$name"; mkdir -p "$out/m4-obj/$name"
  (cd "$out/m4-obj/$name" && arm-none-eabi-ar x "$out/m4/lib$lib.a")
done

python3 - "$out" <<'PY'
import glob, os, subprocess, sys
out = sys.argv[1]

def sections(tool, obj):
    """Bytes of .text, .rodata, .data, .bss (function/data sections folded) of one object."""
    acc = {'text': 0, 'rodata': 0, 'data': 0, 'bss': 0}
    for line in subprocess.run([tool, '-A', obj], capture_output=True, text=True, check=True).stdout.splitlines():
        f = line.split()
        if len(f) < 2 or not f[0].startswith('.') or not f[1].isdigit():
            continue
        s, n = f[0], int(f[1])
        for k in ('text', 'rodata', 'data', 'bss'):
            if s == '.' + k or s.startswith('.' + k + '.'):
                acc[k] += n
    return acc

def berkeley_text(tool, objs):
    total = 0
    for o in objs:
        lines = subprocess.run([tool, o], capture_output=True, text=True, check=True).stdout.splitlines()
        total += sum(int(l.split()[0]) for l in lines[1:] if l.split())
    return total

def table(title, tool, mods):
    print(title)
    print('  %-16s %9s %9s %9s %9s %9s' % ('module', '.text', '.rodata', '.data', '.bss', 'text+ro'))
    tot = {'text': 0, 'rodata': 0, 'data': 0, 'bss': 0}
    for name, objs in mods:
        acc = {'text': 0, 'rodata': 0, 'data': 0, 'bss': 0}
        for o in objs:
            for k, v in sections(tool, o).items():
                acc[k] += v
        for k in tot:
            tot[k] += acc[k]
        print('  %-16s %9d %9d %9d %9d %9d' % (name, acc['text'], acc['rodata'], acc['data'], acc['bss'],
                                               acc['text'] + acc['rodata']))
    print('  %-16s %9d %9d %9d %9d %9d' % ('total', tot['text'], tot['rodata'], tot['data'], tot['bss'],
                                           tot['text'] + tot['rodata']))
    return tot

objs = lambda d: sorted(glob.glob(os.path.join(d, '*.o*')))
lib = [(m, objs(os.path.join(out, 'm4-obj', m))) for m in ('fcc', 'kcm', 'store', 'framing')]
deps = [(m, objs(os.path.join(out, 'm4-obj', m))) for m in ('mbedtls', 'libcbor-subset')]
t = table('Cortex-M4 -Os (arm-none-eabi-gcc, -ffunction-sections -fdata-sections), device library:',
          'arm-none-eabi-size', lib)
print('  target FCC+KCM+store+framing <= 24576 bytes (24 KB): %s by %d bytes' %
      ('met' if t['text'] + t['rodata'] <= 24576 else 'missed', abs(24576 - t['text'] - t['rodata'])))
print()
table('Cortex-M4 -Os, with its dependencies (every object of the archives, before --gc-sections):',
      'arm-none-eabi-size', lib + deps)
print()
img = os.path.join(out, 'm4', 'board_apply')
f = subprocess.run(['arm-none-eabi-size', img], capture_output=True, text=True, check=True).stdout.splitlines()[1].split()
print('Linked device image (tests/target/board_apply: port + library + mbedTLS + libcbor subset + newlib-nano,')
print('  --gc-sections; its .bss includes the 256 KiB RAM flash region of the test, not counted below):')
print('  text+rodata %s, data %s, bss %s bytes' % (f[0], f[1], f[2]))
print()
x86 = [(m, objs(os.path.join(out, 'x86-64', d))) for m, d in
       (('fcc', 'fcc'), ('kcm', 'kcm'), ('store', 'store'), ('framing', 'ftcd'))]
table('x86-64 -Os (gcc, -ffunction-sections -fdata-sections), device library:', 'size', x86)
print()
n = berkeley_text('arm-none-eabi-size', [o for _, os_ in lib for o in os_])
with open(os.path.join(out, 'device-text.txt'), 'w') as fh:
    fh.write('%d\n' % n)
PY

echo
echo "Measured on the emulated board (qemu-system-arm -M mps2-an386), one by_tool bootstrap bundle"
echo "with a 3-certificate device chain (tests/data/legacy-v1/bundle.cbor, made by fcu):"
tests/target/run-mps2.sh "$out/m4/board_apply" "$root/tests/data/legacy-v1/bundle.cbor" 1800000000 |
  sed 's/^/  /'
echo "  targets: stack <= 8192 bytes, mbedTLS heap <= 12288 bytes"
echo
echo "device library .text (cortex-m4, -Os): $(cat "$out/device-text.txt") bytes"
