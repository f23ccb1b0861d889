#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's main job: set up a demo CA in a temporary FCU home, start a simulated device on
# loopback, provision it, show its verdict and stored items, stop the device (scripts/demo-run.sh).
# `make demo` builds fcu and fcc-device first. Usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
for t in tools/fcu/fcu tools/fcc-device/fcc-device; do
  if [ ! -x "$build/$t" ]; then
    echo "demo: $build/$t is missing: run 'make demo' (it builds the tools first)" >&2
    exit 2
  fi
done
exec bash "$(dirname "$0")/demo-run.sh" "$build"
