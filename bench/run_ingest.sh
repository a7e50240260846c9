#!/usr/bin/env bash
# Runs the ingest benchmarks of docs/benchmarks.md against a Release troposd
# on 127.0.0.1 and prints a Markdown table.
#
#   a  1 alert per request, closed loop, 64 connections, 20,000 requests
#   b  100 alerts per request, closed loop, 16 connections, 500 requests
#   c  1 alert per request, open loop at 500 alerts/s for 20 s, with the
#      delay from each 202 to its SMS at the Twilio stand-in
#
# Each scenario gets a new troposd with a fresh data dir, so incidents from
# one scenario do not slow the next. One twilio_sink serves all of them.
# Everything started here is stopped on exit, and the temp dir is removed.
#
# usage: bench/run_ingest.sh [--short] [--without-sms] [--skip-build] [--keep]
#   --short        run each scenario at a tenth of its size (CI smoke test)
#   --without-sms  give the responder no notification rules, so incidents
#                  open but nobody is paged; runs a and b only. This splits
#                  the cost of ingest from the cost of the notifier.
#   --skip-build   use the binaries already in the build dir
#   --keep         keep the temp dir with configs and logs
# Environment: TROPOS_BENCH_BUILD sets the build dir (default build-bench),
# TROPOS_BENCH_JOBS the build parallelism (default 1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${TROPOS_BENCH_BUILD:-$root/build-bench}
jobs=${TROPOS_BENCH_JOBS:-1}
short=0
without_sms=0
skip_build=0
keep=0
for arg in "$@"; do
  case $arg in
    --short) short=1 ;;
    --without-sms) without_sms=1 ;;
    --skip-build) skip_build=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "run_ingest.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

if [[ $skip_build == 0 ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTROPOS_TESTING=OFF -DTROPOS_BUILD_TESTS=ON >/dev/null
  cmake --build "$build" --target troposd ingest_load twilio_sink -j"$jobs"
  git -C "$root" describe --always --dirty >"$build/bench-source.txt" \
    2>/dev/null || echo unknown >"$build/bench-source.txt"
fi
troposd=$build/daemon/troposd
load=$build/bench/ingest_load
sink=$build/bench/twilio_sink
for binary in "$troposd" "$load" "$sink"; do
  [[ -x $binary ]] || { echo "run_ingest.sh: $binary not found; run without --skip-build first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tropos-bench.XXXXXX)
sink_pid=""
daemon_pid=""

# Stops what this script started, by process id.
cleanup() {
  for pid in $daemon_pid $sink_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $daemon_pid $sink_pid; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ $keep == 1 ]]; then
    echo "run_ingest.sh: logs and configs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# Waits up to 15 s for a line matching $2 in file $1 and prints the number
# after "port=" in it.
wait_for_port() {
  local file=$1 pattern=$2 line
  for _ in $(seq 150); do
    line=$(grep -m1 -- "$pattern" "$file" 2>/dev/null || true)
    if [[ -n $line ]]; then
      sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$line"
      return 0
    fi
    sleep 0.1
  done
  echo "run_ingest.sh: no \"$pattern\" in $file within 15 s:" >&2
  tail -n 20 "$file" >&2
  return 1
}

random_hex() {
  head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# Writes a secret file readable by its owner only.
write_secret() {
  (umask 077 && printf '%s\n' "$2" >"$1")
}

"$sink" --port 0 --lifetime-seconds 1800 >"$work/twilio_sink.log" 2>&1 &
sink_pid=$!
sink_port=$(wait_for_port "$work/twilio_sink.log" "listening port=")

# Starts troposd for scenario $1 with a fresh data dir and sets daemon_pid
# and daemon_port.
start_daemon() {
  local dir=$work/$1
  mkdir -p "$dir"
  write_secret "$dir/admin-token" "$(random_hex 24)"
  write_secret "$dir/storage.key" "$(random_hex 32)"
  write_secret "$dir/twilio-token" "$(random_hex 16)"
  local rules='{ contact_method = "bench-sms", delay = "0s" },'
  [[ $without_sms == 1 ]] && rules=""
  cat >"$dir/resources.toml" <<EOF
# One responder paged by SMS at once, one service with an Alertmanager key.
[[users]]
id = "bench-responder"
name = "Bench Responder"
email = "responder@example.test"
role = "responder"
time_zone = "UTC"
contact_methods = [
  { id = "bench-sms", type = "sms", address = "+15005550006" },
]
notification_rules = [
  $rules
]

[[escalation_policies]]
id = "bench-policy"
name = "Bench policy"
repeat = 0

  [[escalation_policies.levels]]
  delay = "30m"
  targets = [{ user = "bench-responder" }]

[[services]]
id = "bench-service"
name = "Bench service"
escalation_policy = "bench-policy"
integration_keys = [
  { key = "bench-am-0001", type = "alertmanager" },
]
EOF
  cat >"$dir/troposd.toml" <<EOF
[server]
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1"
admin_token_file = "admin-token"
resources_file = "resources.toml"

[storage]
path = "data"
key_file = "storage.key"

[twilio]
account_sid = "AC$(random_hex 16)"
auth_token_file = "twilio-token"
from_number = "+15005550001"
api_base = "http://127.0.0.1:$sink_port"
EOF
  "$troposd" --config "$dir/troposd.toml" 2>"$dir/troposd.log" &
  daemon_pid=$!
  daemon_port=$(wait_for_port "$dir/troposd.log" "troposd-ready")
}

# Prints the user plus system CPU seconds that process $1 has used so far.
cpu_seconds() {
  awk -v tick="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / tick }' \
    "/proc/$1/stat"
}

stop_daemon() {
  kill -TERM "$daemon_pid" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$daemon_pid" 2>/dev/null; then
    echo "run_ingest.sh: troposd did not stop within 30 s; killing it" >&2
    kill -KILL "$daemon_pid" 2>/dev/null || true
  fi
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
}

rows=()
failed=0

# Runs scenario $1 with the ingest_load options that follow.
run_scenario() {
  local name=$1
  shift
  start_daemon "$name"
  local output status=0
  output=$("$load" --port "$daemon_port" --key bench-am-0001 --label "$name" \
             --id-prefix "${name}$(date +%s)" "$@") || status=$?
  printf '%s\n' "$output" | grep -v '^row: '
  local cpu
  cpu=$(cpu_seconds "$daemon_pid")
  stop_daemon
  rows+=("$(printf '%s\n' "$output" | sed -n 's/^row: //p') $cpu |")
  if [[ $status != 0 ]]; then
    failed=1
  fi
}

scale=10
[[ $short == 1 ]] && scale=1
run_scenario a --alerts-per-request 1 --connections 64 \
  --requests $((2000 * scale)) --max-seconds 300
run_scenario b --alerts-per-request 100 --connections 16 \
  --requests $((50 * scale)) --max-seconds 300
if [[ $without_sms == 0 ]]; then
  run_scenario c --alerts-per-request 1 --connections 16 --rate 500 \
    --requests $((1000 * scale)) --max-seconds $((2 * scale + 30)) \
    --sink-port "$sink_port" --sink-wait-seconds 60
fi

echo
echo "troposd built from $(cat "$build/bench-source.txt" 2>/dev/null || echo "an unrecorded tree")," \
  "$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))," \
  "load generator and Twilio stand-in on the same cores" \
  "$([[ $without_sms == 1 ]] && echo "(without SMS: nobody is paged)")"
echo
echo "| scenario | alerts/request | connections | load | alerts | alerts/s" \
  "| request p50 ms | request p99 ms | request max ms | 202→SMS p50 ms" \
  "| 202→SMS p99 ms | 202→SMS max ms | POST→SMS p99 ms | errors" \
  "| troposd CPU s |"
echo "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
exit $failed
