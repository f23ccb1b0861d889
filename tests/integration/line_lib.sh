# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the factory-line tests (sourced, not run): a temporary FCU home with a CA
# and configurations for every mode, devices started on loopback with their port read from the
# "listening on" line, and cleanup that leaves no process and no file behind.
# The caller sets FCU, DEV (fcc-device) and optionally FAKE (line_fake_device) before sourcing.

set -euo pipefail
PY=/usr/bin/python3
tmp=$(mktemp -d "/tmp/${LINE_TMP_PREFIX:-fcu-line}.XXXXXX") # a test may name its own folder
pids=()
failures=0

line_cleanup() {
  local p
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap line_cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# wait_listening FILE PID: waits (20 s) for "listening on HOST:PORT" in FILE; prints PORT.
wait_listening() {
  local f=$1 pid=$2 i
  for i in $(seq 1 400); do
    if grep -q '^listening on ' "$f" 2>/dev/null; then
      sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$f" | head -1
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "device did not start: $(cat "$f" 2>/dev/null)" >&2
  return 1
}

# launch_device NAME [fcc-device global options...]: fcc-device on 127.0.0.1:0 for one session,
# in the background (devices start in parallel; attach_device waits for one to listen).
declare -A devpid_of
launch_device() {
  local name=$1
  shift
  "$DEV" --store "$tmp/$name.img" "$@" serve --tcp 127.0.0.1:0 --once --idle-timeout 60 \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  devpid_of[$name]=$!
  pids+=("$!")
}

# attach_device NAME: waits until the launched device listens. Sets PORT and DEVPID.
attach_device() {
  DEVPID=${devpid_of[$1]}
  PORT=$(wait_listening "$tmp/$1.out" "$DEVPID")
}

# start_device NAME [options...]: launch_device and attach_device in one go.
start_device() {
  launch_device "$@"
  attach_device "$1"
}

# start_fake NAME MODE: the misbehaving device. Sets PORT and DEVPID.
start_fake() {
  "$FAKE" "$2" >"$tmp/$1.out" 2>"$tmp/$1.err" &
  DEVPID=$!
  pids+=("$DEVPID")
  PORT=$(wait_listening "$tmp/$1.out" "$DEVPID")
}

# stop_device PID: waits for a --once device to end (kills it after 10 s).
stop_device() {
  local pid=$1 i
  for i in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# A CA for the FCU (fcu setup), a bootstrap and an LwM2M server CA, and configurations:
# bs.yml (bootstrap, by_tool), lwm2m.yml (LwM2M, by_tool), ftc.yml (bootstrap, first-to-claim),
# ext.yml (bootstrap, externally_supplied).
make_home() {
  home=$tmp/home
  mkdir -p "$home/config"
  local c=$home/config
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/bs-ca.key" \
    -out "$tmp/bs-ca.pem" -subj "/CN=Test Bootstrap Server CA" -days 7300 -sha256 2>/dev/null
  openssl x509 -in "$tmp/bs-ca.pem" -outform der -out "$c/bootstrap-ca.der"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/lw-ca.key" \
    -out "$tmp/lw-ca.pem" -subj "/CN=Test LwM2M Server CA" -days 7300 -sha256 2>/dev/null
  openssl x509 -in "$tmp/lw-ca.pem" -outform der -out "$c/lwm2m-ca.der"
  local common="time-sync: true
verify-on-device: true
certificate-authority:
  common-name: Line Test Factory CA
  organization-name: Line Test
  validity-years: 40
device-certificate:
  organization-name: Line Test
  validity-years: 20
device-info:
  manufacturer-name: Line Test Inc
  model-number: LT-1
  device-type: sensor
  hardware-version: \"1.0\"
  memory-total-size: 512
  timezone: Europe/London
  utc-offset: \"+00:00\""
  cat >"$c/bs.yml" <<EOF
use-bootstrap: true
first-to-claim: false
bootstrap-server-uri: "coaps://bootstrap.example.com:5684?aid=0164c1a4f39b2a6e1b7e8e8e00000001"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: by_tool
$common
EOF
  cat >"$c/ftc.yml" <<EOF
use-bootstrap: true
first-to-claim: true
bootstrap-server-uri-first-to-claim: "coaps://bootstrap.example.com:5684"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: by_tool
$common
EOF
  cat >"$c/ext.yml" <<EOF
use-bootstrap: true
first-to-claim: false
bootstrap-server-uri: "coaps://bootstrap.example.com:5684?aid=0164c1a4f39b2a6e1b7e8e8e00000001"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: externally_supplied
$common
EOF
  sed -i 's/^  validity-years: 20$/  validity-years: 36/' "$c/ext.yml"
  cat >"$c/lwm2m.yml" <<EOF
use-bootstrap: false
lwm2m-server-uri: "coaps://lwm2m.example.com:5684?aid=0164c1a4f39b2a6e1b7e8e8e00000002"
lwm2m-server-ca-certificate-file: lwm2m-ca.der
device-key-generation-mode: by_tool
$common
EOF
  sed -i 's/^  validity-years: 20$/  validity-years: 36/' "$c/lwm2m.yml"
  cp "$c/bs.yml" "$c/fcu.yml"
  "$FCU" --home "$home" setup >"$tmp/setup.out" 2>&1 || { cat "$tmp/setup.out"; return 1; }
}

# make_external_keys DIR ENDPOINT [SET [OU]]: a device key and a certificate signed by the FCU
# CA, as a factory's own PKI would supply them (<SET>DevicePrivateKey.der, <SET>DeviceCert.der;
# SET Bootstrap by default, or LwM2M, whose certificate needs the OU = the URI's aid).
make_external_keys() {
  local d=$1 ep=$2 set=${3:-Bootstrap} ou=${4:+/OU=$4}
  mkdir -p "$d"
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/key.pem" 2>/dev/null
  openssl pkey -in "$d/key.pem" -outform der -out "$d/${set}DevicePrivateKey.der"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' >"$d/ext.cnf"
  openssl req -new -key "$d/key.pem" -subj "/O=Line Test$ou/CN=$ep" -out "$d/dev.csr" 2>/dev/null
  openssl x509 -req -in "$d/dev.csr" -CA "$home/keystore/fcu.crt" -CAkey "$home/keystore/fcu_private_key.pem" \
    -CAcreateserial -days 13000 -sha256 -extfile "$d/ext.cnf" -outform der \
    -out "$d/${set}DeviceCert.der" 2>/dev/null
  rm -f "$d/key.pem" "$d/dev.csr" "$d/ext.cnf"
}

# The configurations are in $C (the caller sets it, usually $home/config).
# inject NAME CONFIG EP SN PORT [extra fcu options...]: runs fcu inject --json; sets RC, OUT.
inject() {
  local name=$1 cfg=$2 ep=$3 sn=$4 port=$5
  shift 5
  OUT=$tmp/$name.json
  set +e
  "$FCU" --config "$C/$cfg" --json inject --endpoint-name "$ep" --serial-number "$sn" "$@" \
    tcp --ip 127.0.0.1 --port "$port" >"$OUT" 2>"$tmp/$name.stderr"
  RC=$?
  set -e
}

expect_rc() { # expect_rc WANT WHAT
  if [ "$RC" -eq "$1" ]; then ok "$2 (exit $RC)"; else
    fail "$2: exit $RC, expected $1"; cat "$OUT" "$tmp/${3:-x}.stderr" 2>/dev/null | head -40; fi
}

# json_get FILE EXPR: evaluates a Python expression over the JSON document `d` in FILE.
json_get() {
  "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
