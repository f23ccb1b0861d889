#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the registry against a REAL PostgreSQL server, as a factory with several stations would:
# starts a throw-away server from Debian's postgresql package in a temporary folder on a
# loopback port (as an unprivileged user when run as root: postgres refuses to run as root),
# runs the registry unit tests against it (duplicates, --reprovision, export, process races), and,
# when the fcu and fcc-device programs are given, two `fcu inject` processes racing for the same
# endpoint name through line_pg_race.sh. Stops the server and removes everything on exit.
# Usage: registry_pg.sh UNIT_REGISTRY_BIN [FCU_BIN FCC_DEVICE_BIN]
# Exit 77 (ctest SKIP) only when no PostgreSQL server binaries are installed.
set -euo pipefail
unit=$(readlink -f "$1")
fcu=${2:+$(readlink -f "$2")}
dev=${3:+$(readlink -f "$3")}
fake=${4:+$(readlink -f "$4")}
here=$(cd "$(dirname "$0")" && pwd)

pgbin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && pgbin=$d
done
if [ -z "$pgbin" ]; then
  echo "SKIP: no PostgreSQL server binaries (install the Debian package postgresql)"
  exit 77
fi

tmp=$(mktemp -d /tmp/fcu-pg.XXXXXX)
chmod 755 "$tmp"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$tmp"
  if command -v runuser >/dev/null; then
    as_pg=(runuser -u nobody --)
  else
    as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  fi
fi

cleanup() {
  if [ -f "$tmp/data/postmaster.pid" ]; then
    (cd "$tmp" && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cd "$tmp"
"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/data" -A trust -U postgres --no-sync >"$tmp/initdb.log" 2>&1 ||
  { cat "$tmp/initdb.log"; echo "FAIL: initdb"; exit 1; }

started=0
for try in 1 2 3 4 5; do
  port=$(( 20000 + (RANDOM % 30000) ))
  if "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 \
       -o "-p $port -h 127.0.0.1 -k $tmp -F -c fsync=off -c max_connections=60" start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [ $started -ne 1 ]; then
  cat "$tmp/server.log" || true
  echo "FAIL: could not start PostgreSQL"
  exit 1
fi
url="postgresql://postgres@127.0.0.1:$port/postgres?connect_timeout=10"
echo "registry_pg: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

FCU_TEST_REGISTRY_URL="$url" "$unit"

if [ -n "$fcu" ] && [ -n "$dev" ]; then
  # A database of its own, so the unit tests' rows do not show in the race's export.
  "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres race
  bash "$here/line_pg_race.sh" "$fcu" "$dev" "postgresql://postgres@127.0.0.1:$port/race?connect_timeout=10"
  # A registry of schema version 1 (as fcu wrote it before issue 20) is migrated on first use.
  "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres legacy
  "$pgbin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d legacy -v ON_ERROR_STOP=1 \
    -f "$here/registry_v1_pg.sql" >/dev/null
  legacy="postgresql://postgres@127.0.0.1:$port/legacy?connect_timeout=10"
  "$fcu" registry export --json --registry "$legacy" >"$tmp/legacy.json"
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert [(e['endpoint_name'], e['outcome']) for e in d] == [('old-ep-1', 'success')], d" "$tmp/legacy.json" ||
    { echo "FAIL: the version-1 PostgreSQL registry does not export its device after migration"; exit 1; }
  v=$("$pgbin/psql" -tA -h 127.0.0.1 -p "$port" -U postgres -d legacy -c "SELECT value FROM registry_meta WHERE key = 'schema_version'")
  [ "$v" = 2 ] || { echo "FAIL: schema_version after migration is '$v'"; exit 1; }
  echo "ok: a version-1 PostgreSQL registry is migrated to version 2 and keeps its rows"
  if [ -n "$fake" ]; then
    "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres recovery
    bash "$here/line_recovery.sh" "$fcu" "$dev" "$fake" "postgresql://postgres@127.0.0.1:$port/recovery?connect_timeout=10"
  fi
fi
echo "registry_pg: PASS"
