#!/usr/bin/env bash
# Measures the memory of open incidents and the restart with them, against
# a Release troposd on 127.0.0.1, and prints a Markdown table for
# docs/benchmarks.md.
#
#   1  start troposd on a fresh data dir and read its RSS
#   2  open N incidents through the Alertmanager webhook (100 alerts per
#      request, 4 connections, bench/post_alerts.py) and wait for every 202
#   3  wait until RSS stops growing (and, with --sms-delay 0s, until the
#      outbox file has N SMS), then report (RSS after - RSS before) / N
#   4  kill -9, start again on the same data dir and time exec -> first
#      200 from /readyz, then read RSS after recovery
#
# One responder has one SMS rule, and a one-level policy (level delay
# "1h", repeat 0) pages them once per incident, so no step repeats. By
# default the SMS rule waits 1h, so every open incident also has one
# pending notification job and nothing is delivered during the run.
# Channels run in log mode, so SMS go to an outbox file and nothing leaves
# the machine. Everything started here is stopped on exit, and the temp
# dir is removed.
#
# usage: bench/incident_memory.sh [--short] [--incidents N] [--sms-delay D]
#                                 [--drain-seconds S] [--skip-build] [--keep]
#   --short            open 10,000 incidents instead of 100,000 (CI smoke test)
#   --incidents N      open N incidents
#   --sms-delay D      delay of the SMS rule, a duration such as "0s" or "1h"
#                      (default 1h). With 0s every incident is paged at once
#                      and RSS is read after the last SMS reached the outbox.
#   --drain-seconds S  with --sms-delay 0s, the maximum wait for the last
#                      SMS (default 600). RSS is read anyway after it.
#   --skip-build       use the troposd already in the build dir
#   --keep             keep the temp dir with config, data and logs
# Environment: TROPOS_BENCH_BUILD sets the build dir (default build-bench),
# TROPOS_BENCH_JOBS the build parallelism (default 1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${TROPOS_BENCH_BUILD:-$root/build-bench}
jobs=${TROPOS_BENCH_JOBS:-1}
incidents=100000
sms_delay=1h
drain_seconds=600
skip_build=0
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --short) incidents=10000 ;;
    --incidents)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || {
        echo "incident_memory.sh: --incidents needs a positive number" >&2
        exit 2
      }
      incidents=$2
      shift ;;
    --sms-delay)
      [[ ${2:-} =~ ^[0-9]+[smhd]$ ]] || {
        echo "incident_memory.sh: --sms-delay needs a duration such as 0s or 1h" >&2
        exit 2
      }
      sms_delay=$2
      shift ;;
    --drain-seconds)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || {
        echo "incident_memory.sh: --drain-seconds needs a positive number" >&2
        exit 2
      }
      drain_seconds=$2
      shift ;;
    --skip-build) skip_build=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "incident_memory.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Debian's interpreter by path: the python3 first on PATH may be another one.
python=/usr/bin/python3

if [[ $skip_build == 0 ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTROPOS_TESTING=OFF -DTROPOS_BUILD_TESTS=ON >/dev/null
  cmake --build "$build" --target troposd -j"$jobs"
  git -C "$root" describe --always --dirty >"$build/bench-source.txt" \
    2>/dev/null || echo unknown >"$build/bench-source.txt"
fi
troposd=$build/daemon/troposd
[[ -x $troposd ]] || { echo "incident_memory.sh: $troposd not found; build first" >&2; exit 1; }

work=$(mktemp -d /tmp/tropos-memory.XXXXXX)
daemon_pid=""

# Stops what this script started, by process id.
cleanup() {
  if [[ -n $daemon_pid ]]; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$daemon_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  if [[ $keep == 1 ]]; then
    echo "incident_memory.sh: config, data and logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

random_hex() {
  head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# Writes a secret file readable by its owner only.
write_secret() {
  (umask 077 && printf '%s\n' "$2" >"$1")
}

# A loopback port that is free now. troposd binds it a moment later.
port=$("$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

write_secret "$work/admin-token" "$(random_hex 24)"
write_secret "$work/storage.key" "$(random_hex 32)"
cat >"$work/resources.toml" <<EOF
# One responder, paged once by SMS per incident, and one service with an
# Alertmanager key.
[[users]]
id = "memory-responder"
name = "Memory Responder"
email = "responder@example.test"
role = "responder"
time_zone = "UTC"
contact_methods = [
  { id = "memory-sms", type = "sms", address = "+15005550006" },
]
notification_rules = [
  { contact_method = "memory-sms", delay = "$sms_delay" },
]

[[escalation_policies]]
id = "memory-policy"
name = "Memory policy"
repeat = 0

  [[escalation_policies.levels]]
  delay = "1h"
  targets = [{ user = "memory-responder" }]

[[services]]
id = "memory-service"
name = "Memory service"
escalation_policy = "memory-policy"
integration_keys = [
  { key = "memory-am-0001", type = "alertmanager" },
]
EOF
cat >"$work/troposd.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
public_url = "http://127.0.0.1:$port"
admin_token_file = "admin-token"
resources_file = "resources.toml"

[storage]
path = "data"
key_file = "storage.key"

[channels]
mode = "log"
outbox_file = "outbox.jsonl"
EOF

# Prints a field of /proc/PID/status in kB (VmRSS, RssAnon, RssFile, VmHWM).
status_kb() {
  awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"
}

now_ns() {
  date +%s%N
}

# Starts troposd in the background with its log in $1; sets daemon_pid and
# started_ns, the time just before exec.
start_daemon() {
  started_ns=$(now_ns)
  "$troposd" --config "$work/troposd.toml" 2>>"$1" &
  daemon_pid=$!
}

# Polls /readyz every 10 ms for up to 60 s and sets ready_ns to the time of
# the first 200.
wait_ready() {
  local code
  for _ in $(seq 6000); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
             "http://127.0.0.1:$port/readyz" || true)
    if [[ $code == 200 ]]; then
      ready_ns=$(now_ns)
      return 0
    fi
    if ! kill -0 "$daemon_pid" 2>/dev/null; then
      echo "incident_memory.sh: troposd exited during startup:" >&2
      tail -n 20 "$work/troposd.log" >&2
      exit 1
    fi
    sleep 0.01
  done
  echo "incident_memory.sh: /readyz did not return 200 within 60 s" >&2
  exit 1
}

outbox_lines() {
  if [[ -f $work/outbox.jsonl ]]; then
    wc -l <"$work/outbox.jsonl"
  else
    echo 0
  fi
}

# Waits until the outbox contains one SMS per incident, for up to $1 seconds.
# The notifier hands SMS to the outbox after the 202s, so RSS read before
# this would still contain its queued jobs.
wait_outbox() {
  local limit=$1 waited=0
  while (( waited < limit * 10 )); do
    (( $(outbox_lines) >= incidents )) && return 0
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "incident_memory.sh: only $(outbox_lines) of $incidents SMS in the" \
    "outbox after $limit s; RSS is read anyway" >&2
}

# Waits until VmRSS grows by less than 256 kB within one second, for up to
# 60 s, because actors may still be handling the last messages after the
# last 202.
wait_rss_settled() {
  local previous current
  previous=$(status_kb "$daemon_pid" VmRSS)
  for _ in $(seq 60); do
    sleep 1
    current=$(status_kb "$daemon_pid" VmRSS)
    (( current - previous < 256 )) && return 0
    previous=$current
  done
  echo "incident_memory.sh: RSS still grew after 60 s; it is read anyway" >&2
}

seconds_between() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_daemon "$work/troposd.log"
wait_ready
startup_s=$(seconds_between "$started_ns" "$ready_ns")
sleep 1
rss_before=$(status_kb "$daemon_pid" VmRSS)
anon_before=$(status_kb "$daemon_pid" RssAnon)

echo "incident_memory.sh: troposd pid=$daemon_pid port=$port" \
  "RSS=${rss_before} kB; opening $incidents incidents" >&2
post_started_ns=$(now_ns)
"$python" "$root/bench/post_alerts.py" --port "$port" --key memory-am-0001 \
  --incidents "$incidents" --alerts-per-request 100 --connections 4 \
  --max-seconds 900
post_s=$(seconds_between "$post_started_ns" "$(now_ns)")
rss_at_202=$(status_kb "$daemon_pid" VmRSS)

drained_s="not waited for (SMS delay $sms_delay)"
if [[ $sms_delay =~ ^0[smhd]$ ]]; then
  wait_outbox "$drain_seconds"
  drained_s="$(seconds_between "$post_started_ns" "$(now_ns)") s, $(outbox_lines) SMS"
fi
wait_rss_settled
rss_after=$(status_kb "$daemon_pid" VmRSS)
anon_after=$(status_kb "$daemon_pid" RssAnon)
file_after=$(status_kb "$daemon_pid" RssFile)
peak=$(status_kb "$daemon_pid" VmHWM)
cpu_s=$(awk -v tick="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / tick }' \
          "/proc/$daemon_pid/stat")
data_bytes=$(stat -c %s "$work/data/data.mdb")
data_allocated_kb=$(du -k "$work/data/data.mdb" | cut -f1)

kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""

start_daemon "$work/troposd-restart.log"
wait_ready
restart_s=$(seconds_between "$started_ns" "$ready_ns")
recovered=$(sed -n 's/.*recovered what=open-incidents count=\([0-9]*\).*/\1/p' \
              "$work/troposd-restart.log" | tail -n 1)
recovered_jobs=$(sed -n 's/.*recovered what=outbox-jobs count=\([0-9]*\).*/\1/p' \
                   "$work/troposd-restart.log" | tail -n 1)
rss_ready=$(status_kb "$daemon_pid" VmRSS)
sleep 2
rss_recovered=$(status_kb "$daemon_pid" VmRSS)
anon_recovered=$(status_kb "$daemon_pid" RssAnon)
file_recovered=$(status_kb "$daemon_pid" RssFile)

per_incident() {
  awk -v a="$1" -v b="$2" -v n="$incidents" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }'
}

echo
echo "troposd built from $(cat "$build/bench-source.txt" 2>/dev/null || echo "an unrecorded tree")," \
  "$incidents incidents, $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))," \
  "load generator on the same cores, load average before the run $load_before"
echo
echo "| measure | value |"
echo "| --- | ---: |"
echo "| startup on an empty data dir, exec → /readyz 200 | ${startup_s} s |"
echo "| RSS after startup (RssAnon) | ${rss_before} kB (${anon_before} kB) |"
echo "| SMS rule delay | $sms_delay |"
echo "| time to all 202s / to all SMS in the outbox | ${post_s} s / ${drained_s} |"
echo "| RSS when the last 202 arrived | ${rss_at_202} kB |"
echo "| RSS with all incidents open, settled (RssAnon, RssFile) | ${rss_after} kB (${anon_after} kB, ${file_after} kB) |"
echo "| peak RSS (VmHWM) | ${peak} kB |"
echo "| **RSS per open incident** (RssAnon per incident) | **$(per_incident "$rss_before" "$rss_after") B** ($(per_incident "$anon_before" "$anon_after") B) |"
echo "| troposd CPU for startup and load | ${cpu_s} s |"
echo "| LMDB data.mdb size (allocated) | $((data_bytes / 1024)) kB ($data_allocated_kb kB), $(( data_bytes / incidents )) B per incident |"
echo "| restart after kill -9, exec → /readyz 200 | **${restart_s} s** |"
echo "| open incidents / outbox jobs recovered | ${recovered:-none logged} of $incidents / ${recovered_jobs:-none logged} |"
echo "| RSS at READY / 2 s later (RssAnon, RssFile) | ${rss_ready} kB / ${rss_recovered} kB (${anon_recovered} kB, ${file_recovered} kB) |"

echo
echo "Restart log, from exec to ready:"
grep -E "troposd-starting|recovered what=|troposd-ready" "$work/troposd-restart.log" \
  | sed 's/^/    /'

[[ ${recovered:-0} == "$incidents" ]]
