#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one test program on the emulated MPS2-AN386 board (Cortex-M4) under qemu-system-arm, with
# semihosting for the console, the command line, host file reads and the exit status, which
# becomes this script's exit status. Usage: run-mps2.sh PROGRAM.elf [ARG...]
# (arguments may not contain spaces; commas are escaped for QEMU's option syntax).
set -eu
elf=$1
args="arg=$(printf %s "$elf" | sed 's/,/,,/g')"
shift
for a in "$@"; do
  args="$args,arg=$(printf %s "$a" | sed 's/,/,,/g')"
done
exec qemu-system-arm -M "${FCC_BOARD_MACHINE:-mps2-an386}" -nographic -monitor none -serial none \
  -semihosting-config "enable=on,target=native,$args" -kernel "$elf"
