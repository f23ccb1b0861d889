#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's main job: set up a demo CA in a temporary FCU home, start a simulated device on
# loopback, provision it, show its verdict and stored items, stop the device.
# Usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
if [ ! -x "$build/tools/fcu/fcu" ] || [ ! -x "$build/tools/fcc-device/fcc-device" ]; then
  echo "demo: not yet available: the factory tool (fcu) and the device program (fcc-device) are not built yet"
  exit 0
fi
exec bash "$(dirname "$0")/demo-run.sh" "$build"
