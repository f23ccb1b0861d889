#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of `fcc-device connect-check` against real DTLS servers on loopback: devices
# provisioned by fcu (bundle + apply, and inject) in bootstrap and LwM2M modes, with by_tool
# and externally supplied keys, shake hands with libcoap's coap-server / coap-rd (client
# certificates required and checked against the FCU CA) and with OpenSSL's s_server; and the
# failures a factory meets come back with their reasons: a server certificate from another CA,
# a device chain the server does not trust, a silent server, a closed port, a name that does not
# resolve, a server that does not ask for the device certificate.
# Usage: connect_check.sh FCU FCC_DEVICE [by_device]
# With `by_device` it runs only the by_device case (skipped, exit 77, while fcu lacks that mode).
FCU=$1
DEV=$2
ONLY=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
LINE_TMP_PREFIX=fcc-connect-check
# shellcheck source=line_lib.sh
. "$here/line_lib.sh"

COAP_SERVER=coap-server-openssl
COAP_RD=coap-rd-openssl
for b in "$COAP_SERVER" "$COAP_RD" openssl; do
  command -v "$b" >/dev/null || { echo "FAIL: $b not installed (scripts/install-deps.sh)"; exit 1; }
done

make_home
export FCU_HOME_DIR=$home FCU_STATION_ID=station-connect
unset FCU_REGISTRY_URL
C=$home/config
FCU_CA=$home/keystore/fcu.crt

# ---- helpers ----

# server_cert NAME CA_PEM CA_KEY CN: a P-256 server certificate (serverAuth) issued by the CA:
# $tmp/NAME.pem, $tmp/NAME.key and $tmp/NAME-both.pem (certificate and key, for coap-rd).
server_cert() {
  local n=$1
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/$n.key" \
    -subj "/CN=$4" -out "$tmp/$n.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' \
    >"$tmp/srv.ext"
  openssl x509 -req -in "$tmp/$n.csr" -CA "$2" -CAkey "$3" -CAcreateserial -days 3650 -sha256 \
    -extfile "$tmp/srv.ext" -out "$tmp/$n.pem" 2>/dev/null
  cat "$tmp/$n.pem" "$tmp/$n.key" >"$tmp/$n-both.pem"
}

# free_udp_pair: prints a port P such that UDP P and P+1 are free on 127.0.0.1 (coap-server
# listens on P for CoAP and P+1 for DTLS).
free_udp_pair() {
  "$PY" - <<'EOF'
import socket
for _ in range(200):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    p = a.getsockname()[1]
    if p >= 65535:
        continue
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p)
    break
EOF
}

# wait_udp_bound PORT PID: waits (20 s) until something has bound UDP 127.0.0.1:PORT.
wait_udp_bound() {
  local i
  for i in $(seq 1 400); do
    if ! "$PY" -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start on $1" >&2
  return 1
}

# start_coap NAME BINARY CERT_ARGS... : coap-server or coap-rd on 127.0.0.1 with the given PKI
# options (client certificates then required). Sets SPORT to its DTLS port.
start_coap() {
  local name=$1 bin=$2 p
  shift 2
  p=$(free_udp_pair)
  "$bin" -A 127.0.0.1 -p "$p" -v 6 "$@" >"$tmp/$name.log" 2>&1 &
  pids+=("$!")
  SPORT=$((p + 1))
  wait_udp_bound "$SPORT" "$!"
}

# start_openssl NAME ARGS...: `openssl s_server -dtls1_2` for one connection; waits for ACCEPT.
# Sets SPORT.
start_openssl() {
  local name=$1 p i pid fd
  shift
  p=$(free_udp_pair)
  # s_server ends the session when its standard input ends: give it a FIFO that this shell
  # holds open until it exits.
  mkfifo "$tmp/$name.stdin"
  openssl s_server -dtls1_2 -accept "127.0.0.1:$p" -naccept 1 "$@" \
    >"$tmp/$name.log" 2>&1 <"$tmp/$name.stdin" &
  pid=$!
  pids+=("$pid")
  exec {fd}>"$tmp/$name.stdin"
  SPORT=$p
  for i in $(seq 1 400); do
    grep -q ACCEPT "$tmp/$name.log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  wait_udp_bound "$p" "$pid"
}

# provision NAME CONFIG EP [fcu bundle options...]: fcu bundle, then fcc-device apply into
# $tmp/NAME.img; the device must answer ReturnStatus 0.
provision() {
  local name=$1 cfg=$2 ep=$3
  shift 3
  "$FCU" --config "$C/$cfg" bundle -o "$tmp/$name.cbor" --endpoint-name "$ep" \
    --serial-number "SN-$ep" "$@" >"$tmp/$name.bundle.out" 2>&1 ||
    { fail "$name: fcu bundle: $(cat "$tmp/$name.bundle.out")"; return 0; }
  "$DEV" --store "$tmp/$name.img" apply "$tmp/$name.cbor" >"$tmp/$name.apply.out" 2>&1 ||
    fail "$name: apply: $(cat "$tmp/$name.apply.out")"
}

# provision_over_link NAME CONFIG EP: fcc-device serving one session on loopback, fcu inject
# into it (the line's way; the only way for by_device keys), image $tmp/NAME.img.
provision_over_link() {
  local name=$1 cfg=$2 ep=$3
  start_device "$name"
  "$FCU" --config "$C/$cfg" inject --endpoint-name "$ep" --serial-number "SN-$ep" \
    tcp --ip 127.0.0.1 --port "$PORT" >"$tmp/$name.inject" 2>&1 ||
    fail "$name: inject: $(cat "$tmp/$name.inject")"
  stop_device "$DEVPID"
}

# check NAME URI|- [TIMEOUT [GLOBAL_OPTION...]]: connect-check --json of device NAME (URI "-":
# the stored one), with fcc-device global options (e.g. --time). Sets RC and OUT (the JSON file).
check() {
  local name=$1 uri=$2 t=${3:-10}
  shift 2
  [ $# -gt 0 ] && shift
  OUT=$tmp/$name.check.json
  local args=(--timeout "$t" --json)
  [ "$uri" != "-" ] && args=(--uri "$uri" "${args[@]}")
  set +e
  "$DEV" --store "$tmp/$name.img" "$@" connect-check "${args[@]}" >"$OUT" 2>"$tmp/$name.check.err"
  RC=$?
  set -e
}

# expect WHAT RC STATUS_NAME [PYTHON_CONDITION over d]...: checks the last check().
expect() {
  local what=$1 rc=$2 st=$3 got
  shift 3
  got=$(json_get "$OUT" "d['status_name']" 2>/dev/null || echo "no JSON")
  if [ "$RC" -ne "$rc" ] || [ "$got" != "$st" ]; then
    fail "$what: exit $RC status $got, expected exit $rc status $st"
    cat "$OUT" "${OUT%.json}.err" 2>/dev/null | head -30
    return 0
  fi
  local c
  for c in "$@"; do
    if [ "$(json_get "$OUT" "bool($c)")" != "True" ]; then
      fail "$what: not ($c)"
      cat "$OUT"
      return 0
    fi
  done
  ok "$what: $(json_get "$OUT" "d['reason']")"
}

# ---- by_device (placeholder until fcu makes device-generated keys: branch fcu15) ----

if [ "$ONLY" = by_device ]; then
  sed 's/^device-key-generation-mode: by_tool$/device-key-generation-mode: by_device/' \
    "$C/bs.yml" >"$C/bydev.yml"
  if ! "$FCU" --config "$C/bydev.yml" validate >"$tmp/bydev.validate" 2>&1; then
    echo "SKIP: fcu does not make by_device keys yet: $(head -1 "$tmp/bydev.validate")"
    exit 77
  fi
  # The device makes its key in the bundle session (CSR), so it goes over the link.
  server_cert bs-srv "$tmp/bs-ca.pem" "$tmp/bs-ca.key" "Connect Test Bootstrap Server"
  start_coap bydev-coap "$COAP_SERVER" -c "$tmp/bs-srv.pem" -j "$tmp/bs-srv.key" -R "$FCU_CA"
  BYDEV_PORT=$SPORT
  provision_over_link bydev bydev.yml ep-bydev
  check bydev "coaps://127.0.0.1:$BYDEV_PORT"
  expect "bootstrap, by_device key: coap-server" 0 ok "d['client_certificate_sent']"
  grep -q "CN 'ep-bydev' presented by client" "$tmp/bydev-coap.log" ||
    fail "coap-server did not log the by_device certificate"
  # LwM2M mode, against the resource directory.
  sed 's/^device-key-generation-mode: by_tool$/device-key-generation-mode: by_device/' \
    "$C/lwm2m.yml" >"$C/lwbydev.yml"
  server_cert lw-srv "$tmp/lw-ca.pem" "$tmp/lw-ca.key" "Connect Test LwM2M Server"
  start_coap lwbydev-rd "$COAP_RD" -c "$tmp/lw-srv-both.pem" -R "$FCU_CA"
  LWBYDEV_PORT=$SPORT
  provision_over_link lwbydev lwbydev.yml ep-lwbydev
  check lwbydev "coaps://127.0.0.1:$LWBYDEV_PORT"
  expect "LwM2M, by_device key: coap-rd registration" 0 ok "d['coap_code'] == '2.01'"
  [ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
  exit 0
fi

# ---- servers ----

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/other-ca.key" \
  -out "$tmp/other-ca.pem" -subj "/CN=Connect Test Other CA" -days 3650 -sha256 2>/dev/null
server_cert bs-srv "$tmp/bs-ca.pem" "$tmp/bs-ca.key" "Connect Test Bootstrap Server"
server_cert lw-srv "$tmp/lw-ca.pem" "$tmp/lw-ca.key" "Connect Test LwM2M Server"
server_cert rogue "$tmp/other-ca.pem" "$tmp/other-ca.key" "Rogue Server"

# The bootstrap server: coap-server, its certificate from the bundle's bootstrap server CA,
# client certificates checked against the FCU CA.
start_coap bs-coap "$COAP_SERVER" -c "$tmp/bs-srv.pem" -j "$tmp/bs-srv.key" -R "$FCU_CA"
BS=coaps://127.0.0.1:$SPORT
BS_PORT=$SPORT
# The LwM2M server: libcoap's resource directory, which answers a registration 2.01 Created.
start_coap lw-rd "$COAP_RD" -c "$tmp/lw-srv-both.pem" -R "$FCU_CA"
LW=coaps://127.0.0.1:$SPORT
# A server whose certificate comes from another CA.
start_coap rogue-coap "$COAP_SERVER" -c "$tmp/rogue.pem" -j "$tmp/rogue.key" -R "$FCU_CA"
ROGUE=coaps://127.0.0.1:$SPORT
# The right server certificate, but the server trusts another CA for clients.
start_coap picky-coap "$COAP_SERVER" -c "$tmp/bs-srv.pem" -j "$tmp/bs-srv.key" -R "$tmp/other-ca.pem"
PICKY=coaps://127.0.0.1:$SPORT

# ---- devices ----

provision bs1 bs.yml ep-connect-bs1
make_external_keys "$tmp/keys-ext1" ep-connect-ext1
provision ext1 ext.yml ep-connect-ext1 --device-keys "$tmp/keys-ext1"
sed 's/^device-key-generation-mode: by_tool$/device-key-generation-mode: by_tool\ndevice-certificate-chain-depth: 2/' \
  "$C/bs.yml" >"$C/chain.yml"
provision chain1 chain.yml ep-connect-chain1
sed 's/^device-key-generation-mode: by_tool$/device-key-generation-mode: externally_supplied/' \
  "$C/lwm2m.yml" >"$C/lwext.yml"
make_external_keys "$tmp/keys-lwext1" ep-connect-lwext1 LwM2M 0164c1a4f39b2a6e1b7e8e8e00000002
provision lwext1 lwext.yml ep-connect-lwext1 --device-keys "$tmp/keys-lwext1"
# A device whose stored bootstrap URI is the loopback server (no --uri needed).
sed "s|^bootstrap-server-uri: .*|bootstrap-server-uri: \"coaps://127.0.0.1:$BS_PORT?aid=0164c1a4f39b2a6e1b7e8e8e00000001\"|" \
  "$C/bs.yml" >"$C/local.yml"
provision local1 local.yml ep-connect-local1
# LwM2M by_tool over the factory link (fcu inject), as a line does it.
provision_over_link lw1 lwm2m.yml ep-connect-lw1

# ---- handshakes that must succeed (libcoap) ----

check bs1 "$BS"
expect "bootstrap, by_tool key: coap-server" 0 ok "d['handshake']" "d['client_certificate_sent']" \
  "d['mode'] == 'bootstrap'" "d['endpoint'] == 'ep-connect-bs1'" \
  "d['cipher_suite'] == 'TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8'" \
  "d['server_certificate_subject'] == 'CN=Connect Test Bootstrap Server'" \
  "d['coap_code'] is not None" "d['address'] == '127.0.0.1:$BS_PORT'"
# The server saw the device certificate the FCU issued.
grep -q "CN 'ep-connect-bs1' presented by client" "$tmp/bs-coap.log" ||
  fail "coap-server did not log the device certificate"

check ext1 "$BS"
expect "bootstrap, externally supplied key: coap-server" 0 ok "d['client_certificate_sent']" \
  "d['endpoint'] == 'ep-connect-ext1'"

check chain1 "$BS"
expect "bootstrap, by_tool key with a chain of 2: coap-server" 0 ok "d['client_certificate_sent']"
[ "$("$DEV" --store "$tmp/chain1.img" list --json | "$PY" -c 'import json,sys; print([i["chain_len"] for i in json.load(sys.stdin) if i["name"]=="mbed.BootstrapDeviceCert"][0])')" = 2 ] ||
  fail "chain1: the device does not hold a chain of 2"

check local1 -
expect "bootstrap, the stored URI: coap-server" 0 ok "d['uri'].startswith('coaps://127.0.0.1:$BS_PORT?aid=')" \
  "d['host'] == '127.0.0.1'" "d['port'] == $BS_PORT"

check lw1 "$LW"
expect "LwM2M, by_tool key (fcu inject): coap-rd registration" 0 ok "d['mode'] == 'lwm2m'" \
  "d['coap_code'] == '2.01'" "d['server_certificate_subject'] == 'CN=Connect Test LwM2M Server'"

check lwext1 "$LW"
expect "LwM2M, externally supplied key: coap-rd registration" 0 ok "d['coap_code'] == '2.01'"

# The human output carries the same facts.
set +e
"$DEV" --store "$tmp/bs1.img" connect-check --uri "$BS" --timeout 10 >"$tmp/human.out" 2>&1
RC=$?
set -e
if [ "$RC" -eq 0 ] && grep -q '^handshake: succeeded$' "$tmp/human.out" &&
   grep -q '^cipher suite: TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8$' "$tmp/human.out" &&
   grep -q '^server certificate: CN=Connect Test Bootstrap Server$' "$tmp/human.out" &&
   grep -q '^coap response: [245]\.[0-9][0-9]$' "$tmp/human.out"; then
  ok "human output"
else
  fail "human output (exit $RC)"; cat "$tmp/human.out"
fi

# ---- failures and their reasons ----

check bs1 "$ROGUE"
expect "server certificate from another CA" 1 server-certificate-untrusted "not d['handshake']" \
  "'not issued by the stored server CA' in d['reason']" "'mbed.BootstrapServerCACert' in d['reason']" \
  "d['server_certificate_subject'] == 'CN=Rogue Server'"

check bs1 "$PICKY"
expect "device chain the server does not trust" 1 client-certificate-refused "not d['handshake']" \
  "d['client_certificate_sent']" "d['alert'] == 48" "'mbed.BootstrapDeviceCert' in d['reason']"

# Validity dates against the device clock (--time): the server certificate is valid 10 years.
check bs1 "$BS" 10 --time $(( $(date +%s) + 20 * 365 * 86400 ))
expect "server certificate expired by the device clock" 1 server-certificate-untrusted \
  "'expired' in d['reason']"
check bs1 "$BS" 10 --time $(( $(date +%s) - 86400 ))
expect "server certificate not yet valid by the device clock" 1 server-certificate-untrusted \
  "'not valid yet' in d['reason']"

# The LwM2M device trusts only its LwM2M server CA: the bootstrap server is refused.
check lw1 "$BS"
expect "LwM2M device, bootstrap server's certificate" 1 server-certificate-untrusted \
  "'mbed.LwM2MServerCACert' in d['reason']"

# A server that never answers (a UDP socket nobody reads).
"$PY" -c 'import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1], flush=True); time.sleep(300)' \
  >"$tmp/silent.port" &
pids+=("$!")
for i in $(seq 1 200); do [ -s "$tmp/silent.port" ] && break; sleep 0.05; done
check bs1 "coaps://127.0.0.1:$(cat "$tmp/silent.port")" 2
expect "a server that does not answer" 1 timeout "not d['handshake']" "'no answer from the server' in d['reason']"

# A port where nothing listens (the host answers ICMP port unreachable).
check bs1 "coaps://127.0.0.1:$(free_udp_pair)" 5
expect "nothing listens" 1 network-error "'port unreachable' in d['reason']"

check bs1 "coaps://no-such-host.invalid:5684" 5
expect "name resolution" 1 name-resolution-failed "'no-such-host.invalid' in d['reason']"

check bs1 "coap://127.0.0.1:$BS_PORT" 5
expect "a coap:// URI" 1 uri-invalid "'coaps://' in d['reason']"

check nothing "$BS" 5
expect "an empty device" 1 not-provisioned "'mbed.UseBootstrap' in d['reason']"

set +e
"$DEV" --store "$tmp/bs1.img" connect-check --timeout 0 >/dev/null 2>&1
[ $? -eq 2 ] && ok "--timeout 0 is a usage error" || fail "--timeout 0 not refused with exit 2"
set -e

# ---- OpenSSL's DTLS server, client certificates required ----

start_openssl ossl-ok -cert "$tmp/bs-srv.pem" -key "$tmp/bs-srv.key" -CAfile "$FCU_CA" \
  -Verify 1 -verify_return_error
check bs1 "coaps://127.0.0.1:$SPORT" 2
expect "OpenSSL s_server -Verify 1: handshake both ways, no CoAP answer" 0 ok-no-coap-response \
  "d['handshake']" "d['client_certificate_sent']" "d['coap_code'] is None" \
  "'no CoAP response to POST /bs' in d['reason']"
# s_server prints what it received: the CoAP request, in clear once decrypted.
grep -q 'ep=ep-connect-bs1' "$tmp/ossl-ok.log" || fail "s_server did not receive the CoAP request"

start_openssl ossl-gcm -cert "$tmp/bs-srv.pem" -key "$tmp/bs-srv.key" -CAfile "$FCU_CA" \
  -Verify 1 -verify_return_error -cipher ECDHE-ECDSA-AES128-GCM-SHA256
check ext1 "coaps://127.0.0.1:$SPORT" 2
expect "OpenSSL s_server, GCM only" 0 ok-no-coap-response \
  "d['cipher_suite'] == 'TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256'"

start_openssl ossl-ccm8 -cert "$tmp/bs-srv.pem" -key "$tmp/bs-srv.key" -CAfile "$FCU_CA" \
  -Verify 1 -verify_return_error -cipher ECDHE-ECDSA-AES128-CCM8
check chain1 "coaps://127.0.0.1:$SPORT" 2
expect "OpenSSL s_server, CCM_8 only, device chain of 2" 0 ok-no-coap-response \
  "d['cipher_suite'] == 'TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8'"

start_openssl ossl-cbc -cert "$tmp/bs-srv.pem" -key "$tmp/bs-srv.key" -CAfile "$FCU_CA" \
  -Verify 1 -cipher ECDHE-ECDSA-AES128-SHA256
check bs1 "coaps://127.0.0.1:$SPORT" 5
expect "OpenSSL s_server without a common suite" 1 handshake-failed "d['alert'] == 40"

start_openssl ossl-picky -cert "$tmp/bs-srv.pem" -key "$tmp/bs-srv.key" -CAfile "$tmp/other-ca.pem" \
  -Verify 1 -verify_return_error
check bs1 "coaps://127.0.0.1:$SPORT" 5
expect "OpenSSL s_server, device chain not trusted" 1 client-certificate-refused "d['alert'] is not None"

start_openssl ossl-noauth -cert "$tmp/bs-srv.pem" -key "$tmp/bs-srv.key"
check bs1 "coaps://127.0.0.1:$SPORT" 2
expect "OpenSSL s_server not asking for the device certificate" 1 client-certificate-not-requested \
  "d['handshake']" "not d['client_certificate_sent']"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all connect-check cases passed"
