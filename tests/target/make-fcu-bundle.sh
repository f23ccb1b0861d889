#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes the bundle the emulated board applies (ctest fixture of target_board_apply_fcu): the host's
# fcu, in a fresh home, sets up its CA and builds one by_tool bootstrap bundle (device key and
# certificate made by the tool, a 2-certificate chain: device and factory CA) with a fixed clock,
# so the board can apply and verify it at that same time.
# Usage: make-fcu-bundle.sh FCU OUT_DIR EPOCH   (writes OUT_DIR/bundle.cbor)
set -eu
fcu=$1
out=$2
now=$3
rm -rf "$out"
home=$out/fcu-home
mkdir -p "$home/config"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$out/server-ca.key" \
  -out "$out/server-ca.pem" -subj "/CN=Board Test Bootstrap Server CA" -days 7300 -sha256 2>/dev/null
openssl x509 -in "$out/server-ca.pem" -outform der -out "$home/config/bootstrap-server-ca.der"
cat >"$home/config/fcu.yml" <<'YML'
use-bootstrap: true
first-to-claim: false
bootstrap-server-uri: "coaps://bootstrap.board.example:5684?aid=0164c1a4f39b2a6e1b7e8e8e00000000"
bootstrap-server-ca-certificate-file: bootstrap-server-ca.der
device-key-generation-mode: by_tool
time-sync: true
verify-on-device: true
certificate-authority:
  common-name: Board Test Factory CA
  organization-name: Board Test
  validity-years: 40
device-certificate:
  organization-name: Board Test
  validity-years: 20
device-info:
  manufacturer-name: Board Test Ltd
  model-number: MPS2-AN386
  device-type: sensor
  hardware-version: "1.0"
  memory-total-size: 4096
  timezone: Europe/London
  utc-offset: "+00:00"
YML
export FCU_HOME_DIR=$home FCU_STATION_ID=board-test
unset FCU_REGISTRY_URL || true
"$fcu" --time "$now" setup >/dev/null
"$fcu" --time "$now" bundle --endpoint-name board-ep-1 --serial-number BOARD-SN-1 \
  -o "$out/bundle.cbor" >/dev/null
test -s "$out/bundle.cbor"
echo "make-fcu-bundle: $out/bundle.cbor ($(wc -c <"$out/bundle.cbor") bytes)"
