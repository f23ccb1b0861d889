#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two stations race for the same endpoint name against ONE PostgreSQL registry: two `fcu inject`
# processes started at the same instant, each towards its own real device, same endpoint name,
# different serial numbers. Exactly one may provision; the other is refused by the database
# before it talks to its device (that device stays empty). Repeated for a few endpoint names.
# Run by registry_pg.sh, which owns the server. Usage: line_pg_race.sh FCU FCC_DEVICE PG_URL
FCU=$1
DEV=$2
URL=$3
FAKE=
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=line_lib.sh
. "$here/line_lib.sh"

make_home
export FCU_HOME_DIR=$home FCU_REGISTRY_URL=$URL
for round in 1 2 3; do
  ep=race-ep-$round
  launch_device "a$round"
  launch_device "b$round"
  attach_device "a$round"; pa=$PORT; da=$DEVPID
  attach_device "b$round"; pb=$PORT; db=$DEVPID
  # Both block opening the same FIFO; one open by a writer releases them together.
  mkfifo "$tmp/go$round"
  ( cat "$tmp/go$round" >/dev/null; exec "$FCU" --json inject --station station-A --endpoint-name "$ep" \
      --serial-number "SN-A-$round" tcp --ip 127.0.0.1 --port "$pa" ) >"$tmp/A$round.json" 2>&1 &
  ja=$!
  ( cat "$tmp/go$round" >/dev/null; exec "$FCU" --json inject --station station-B --endpoint-name "$ep" \
      --serial-number "SN-B-$round" tcp --ip 127.0.0.1 --port "$pb" ) >"$tmp/B$round.json" 2>&1 &
  jb=$!
  sleep 0.2
  : >"$tmp/go$round"   # open for writing and close: both readers see EOF at once
  set +e
  wait "$ja"; ra=$?
  wait "$jb"; rb=$?
  set -e
  kill "$da" "$db" 2>/dev/null || true
  wait "$da" "$db" 2>/dev/null || true
  echo "round $round: station A exit $ra, station B exit $rb"
  if { [ "$ra" -eq 0 ] && [ "$rb" -eq 3 ]; } || { [ "$ra" -eq 3 ] && [ "$rb" -eq 0 ]; }; then
    ok "round $round: exactly one station provisioned $ep"
  else
    fail "round $round: exits $ra and $rb"; cat "$tmp/A$round.json" "$tmp/B$round.json"
  fi
  loser=b; [ "$ra" -eq 3 ] && loser=a
  L=$(echo "$loser" | tr ab AB)
  echo "  refused: $(json_get "$tmp/$L$round.json" "d['error']" 2>/dev/null || cat "$tmp/$L$round.json")"
  n=$("$DEV" --store "$tmp/$loser$round.img" list --json | json_get /dev/stdin "len([i for i in d if i['name']=='mbed.EndpointName'])")
  [ "$n" = 0 ] && ok "round $round: the refused station never touched its device" ||
    fail "round $round: the refused station's device holds an endpoint name"
done
"$FCU" registry export --csv | tail -n +2 | cut -d, -f1 | sort | xargs >"$tmp/exp"
[ "$(cat "$tmp/exp")" = "race-ep-1 race-ep-2 race-ep-3" ] && ok "shared registry: one row per endpoint" ||
  fail "export: $(cat "$tmp/exp")"
if [ "$failures" -ne 0 ]; then
  echo "line_pg_race: $failures failure(s)"
  exit 1
fi
echo "line_pg_race: PASS"
