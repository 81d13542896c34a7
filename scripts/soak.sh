#!/usr/bin/env bash
# Soak test (not part of CI): runs the packaged jar's `demo` — embedded KRaft broker, the monitor and a
# scenario generator, all in one JVM — for a long time on a looping incident, samples the process every
# INTERVAL seconds into a CSV, and prints a report: memory (live heap after a full GC, RSS), threads, file
# descriptors, consumer lag, throughput, state and reroute counts, disk used by the state store and the broker.
#
#   scripts/soak.sh [SECONDS]          default 3600
#
# Output: OUT/samples.csv (one row per sample), OUT/routes.jsonl (GET /api/routes at each sample: the state and
# reroute timeline), OUT/demo.log (the demo's timeline and log).
# Environment: INTERVAL (30 s), PORT (18080), RATE (300 calls/s), SCENARIO (flapping: gpt-5-mini 30 s bad /
# 30 s good, forever, so states, reroutes, restores and alerts keep changing), JAR (streams-app/target/
# model-health.jar), OUT (target/soak-<time>), FULL_GC (1: `jcmd GC.run` before each sample, so heap figures
# are live data, not garbage), JAVA_OPTS (e.g. -Xmx512m).
# Build the jar first: mvn -B -q -DskipTests package
set -euo pipefail

SECS=${1:-3600}
INTERVAL=${INTERVAL:-30}
PORT=${PORT:-18080}
RATE=${RATE:-300}
SCENARIO=${SCENARIO:-flapping}
FULL_GC=${FULL_GC:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/streams-app/target/model-health.jar}
OUT=${OUT:-$ROOT/target/soak-$(date +%Y%m%d-%H%M%S)}
BASE="http://127.0.0.1:$PORT"

for tool in java curl awk ps; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is needed" >&2; exit 2; }
done
[ -f "$JAR" ] || { echo "soak: no $JAR; build it with: mvn -B -q -DskipTests package" >&2; exit 2; }
mkdir -p "$OUT"
CSV="$OUT/samples.csv"
LOG="$OUT/demo.log"

# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -jar "$JAR" demo --duration "$SECS" --http-port "$PORT" --rate "$RATE" --scenario "$SCENARIO" \
  >"$LOG" 2>&1 &
PID=$!
# Stop only the process this script started (its shutdown hook stops the monitor, then the broker).
trap 'kill "$PID" 2>/dev/null || true' INT TERM
echo "soak: demo pid $PID, $SECS s of '$SCENARIO' at $RATE calls/s, sampling every $INTERVAL s into $CSV"

ready=0
for _ in $(seq 1 180); do
  if curl -fs "$BASE/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 1
done
if [ "$ready" != 1 ]; then
  echo "soak: the demo did not become ready; last log lines:" >&2
  tail -20 "$LOG" >&2
  kill "$PID" 2>/dev/null || true
  exit 1
fi
START=$(date +%s)
STATE_DIR=$(grep -o 'Resolved state.dir: \[[^]]*\]' "$LOG" | head -1 | sed 's/.*\[\(.*\)\]/\1/' || true)
BROKER_DIR=$(grep -o 'data /tmp/model-health-kafka-[0-9]*' "$LOG" | head -1 | sed 's/^data //' || true)

# Sum of every sample of a metric in a /metrics scrape (label filter optional, as an awk regex).
metric() { # file name [label-regex]
  awk -v n="$2" -v f="${3:-}" '
    $0 !~ /^#/ { split($0, kv, " "); name = kv[1]; sub(/\{.*/, "", name)
      if (name == n && (f == "" || $0 ~ f)) s += $NF }
    END { printf "%.0f", s }' "$1"
}
mb() { awk -v b="${1:-0}" 'BEGIN { printf "%.1f", b / 1048576 }'; }
dir_mb() { if [ -n "${1:-}" ] && [ -d "$1" ]; then du -sm "$1" 2>/dev/null | awk '{print $1}'; else echo 0; fi; }

echo "elapsed_s,live_heap_mb,heap_used_mb,heap_committed_mb,nonheap_mb,rss_mb,cpu_s,threads,fds,gc_pause_s,lag_max,calls_total,calls_per_s,dead_letters,late,duplicates,reroutes,restores,alerts_firing,healthy,degraded,unavailable,blocked,recovering,idle,active_reroutes,state_dir_mb,broker_dir_mb" >"$CSV"
prev_calls=0
prev_t=0
SCRAPE="$OUT/.metrics"
count_state() { printf '%s' "$routes" | grep -o "\"state\":\"$1\"" | wc -l; }
while kill -0 "$PID" 2>/dev/null; do
  now=$(( $(date +%s) - START ))
  if ! curl -fs "$BASE/metrics" -o "$SCRAPE" 2>/dev/null; then sleep "$INTERVAL"; continue; fi
  heap=$(metric "$SCRAPE" jvm_memory_used_bytes 'area="heap"')
  live=$heap
  if [ "$FULL_GC" = 1 ] && command -v jcmd >/dev/null && jcmd "$PID" GC.run >/dev/null 2>&1 \
      && curl -fs "$BASE/metrics" -o "$SCRAPE" 2>/dev/null; then
    live=$(metric "$SCRAPE" jvm_memory_used_bytes 'area="heap"')
  fi
  routes=$(curl -fs "$BASE/api/routes" 2>/dev/null || echo '[]')
  printf '{"elapsed_s":%s,"routes":%s}\n' "$now" "$routes" >>"$OUT/routes.jsonl"
  active=$(curl -fs "$BASE/api/reroutes" 2>/dev/null | grep -o '"route"' | wc -l || true)
  calls=$(metric "$SCRAPE" model_health_calls_total)
  rate=$(awk -v c="$calls" -v p="$prev_calls" -v t="$now" -v q="$prev_t" 'BEGIN { printf "%.0f", (t > q ? (c - p) / (t - q) : 0) }')
  prev_calls=$calls; prev_t=$now
  rss_kb=$(ps -o rss= -p "$PID" 2>/dev/null | tr -d ' ' || echo 0)
  cpu=$(metric "$SCRAPE" process_cpu_time_ns_total)
  printf '%s\n' "$now,$(mb "$live"),$(mb "$heap"),$(mb "$(metric "$SCRAPE" jvm_memory_committed_bytes 'area="heap"')"),$(mb "$(metric "$SCRAPE" jvm_memory_used_bytes 'area="nonheap"')"),$(awk -v k="${rss_kb:-0}" 'BEGIN { printf "%.1f", k / 1024 }'),$(awk -v n="${cpu:-0}" 'BEGIN { printf "%.1f", n / 1e9 }'),$(metric "$SCRAPE" jvm_threads_live_threads),$(ls "/proc/$PID/fd" 2>/dev/null | wc -l),$(awk -v s="$(metric "$SCRAPE" jvm_gc_pause_seconds_sum)" 'BEGIN { print s }'),$(awk '/^kafka_consumer_fetch_manager_records_lag_max\{/ && /StreamThread/ && $NF ~ /^[0-9.eE+]+$/ && $NF + 0 > m { m = $NF + 0 } END { printf "%.0f", m }' "$SCRAPE"),$calls,$rate,$(metric "$SCRAPE" model_health_dead_letters_total),$(metric "$SCRAPE" model_health_late_events_total),$(metric "$SCRAPE" model_health_duplicate_events_total),$(metric "$SCRAPE" model_health_reroutes_total 'action="REROUTE"'),$(metric "$SCRAPE" model_health_reroutes_total 'action="RESTORE"'),$(metric "$SCRAPE" model_health_alerts_total 'status="firing"'),$(count_state HEALTHY),$(count_state DEGRADED),$(count_state UNAVAILABLE),$(count_state BLOCKED),$(count_state RECOVERING),$(count_state IDLE),$active,$(dir_mb "$STATE_DIR"),$(dir_mb "$BROKER_DIR")" >>"$CSV"
  sleep "$INTERVAL"
done
wait "$PID" || true
rm -f "$SCRAPE"

# ---- report
echo
echo "soak report: $(($(wc -l <"$CSV") - 1)) samples over $(tail -1 "$CSV" | cut -d, -f1) s of '$SCENARIO' at $RATE calls/s ($OUT)"
awk -F, '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  { n++; t[n] = $col["elapsed_s"]; for (k in col) v[k, n] = $col[k] }
  function stat(k, label, unit,    i, lo, hi, a, b, h) {
    lo = hi = v[k, 1]
    for (i = 1; i <= n; i++) { if (v[k, i] < lo) lo = v[k, i]; if (v[k, i] > hi) hi = v[k, i] }
    # growth: mean of the last third minus mean of the second third (the first third is warm-up), per hour
    a = 0; b = 0; ca = 0; cb = 0
    for (i = int(n / 3) + 1; i <= int(2 * n / 3); i++) { a += v[k, i]; ca++ }
    for (i = int(2 * n / 3) + 1; i <= n; i++) { b += v[k, i]; cb++ }
    h = (ca && cb && t[n] > t[int(n / 3) + 1]) ? (b / cb - a / ca) / ((t[n] - t[int(n / 3) + 1]) / 2 / 3600) : 0
    printf "  %-24s first %10s  min %10s  max %10s  last %10s  trend %+9.1f %s/h\n", label, v[k, 1], lo, hi, v[k, n], h, unit
  }
  END {
    if (n < 2) { print "  (too few samples)"; exit }
    stat("live_heap_mb", "live heap (after GC)", "MB"); stat("rss_mb", "RSS", "MB"); stat("nonheap_mb", "non-heap", "MB")
    stat("threads", "threads", ""); stat("fds", "open files", ""); stat("lag_max", "consumer lag (records)", "")
    stat("state_dir_mb", "state store dir", "MB"); stat("broker_dir_mb", "broker data dir", "MB")
    stat("calls_per_s", "throughput (calls/s)", "")
    printf "  %-24s %s calls, %s dead letters, %s late, %s duplicates; GC pauses %.1f s in total (%.2f %% of the time); CPU %.0f s\n",
      "totals", v["calls_total", n], v["dead_letters", n], v["late", n], v["duplicates", n], v["gc_pause_s", n],
      100 * v["gc_pause_s", n] / (t[n] ? t[n] : 1), v["cpu_s", n]
    printf "  %-24s %s REROUTE, %s RESTORE, %s alerts fired\n", "decisions", v["reroutes", n], v["restores", n], v["alerts_firing", n]
    printf "  %-24s", "states over time"
    for (i = 1; i <= n; i += (n > 12 ? int(n / 12) : 1))
      printf " t+%ss:%sH/%sD/%sU/%sB/%sR", t[i], v["healthy", i], v["degraded", i], v["unavailable", i], v["blocked", i], v["recovering", i]
    printf "\n"
  }' "$CSV"
errors=$(grep -c '\[ERROR\]' "$LOG" || true)
echo "  errors logged            $errors (see $LOG)"
echo "  demo summary:"
sed -n '/^demo over/,$p' "$LOG" | grep -v '^\S*T[0-9:.]*+0000 \[' | sed 's/^/    /'
