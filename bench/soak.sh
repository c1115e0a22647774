#!/usr/bin/env bash
# Soak test (not run in CI): two Portcullis instances of one deployment on
# loopback share one redis-server; bench/soak (the driver) sends mixed
# allow/deny load to both for SOAK_DURATION, checks every answer (allow-X:
# 200 with principal X from the backend; deny-X: 403, never reaching the
# backend), flushes the stage's authorizer cache every SOAK_FLUSH_EVERY on
# alternating instances, and samples both gateways' RSS. With
# SOAK_REDIS_RESTART=1 it also kills redis-server at one third of the run
# and restarts it (with its data) at two thirds.
#
# Tunables (environment): SOAK_DURATION (10m), SOAK_RATE (400 req/s in
# total), SOAK_CONNS (16), SOAK_IDENTITIES (2000 tokens of each kind),
# SOAK_FLUSH_EVERY (30s), SOAK_REDIS_RESTART (0), SOAK_PORT (3200: A uses
# it and the next port for admin, B the two after).
#
# Prints the driver's log and summary; exits 1 when any answer was wrong.
set -euo pipefail
set +m

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
DURATION=${SOAK_DURATION:-10m}
RATE=${SOAK_RATE:-400}
CONNS=${SOAK_CONNS:-16}
IDENTITIES=${SOAK_IDENTITIES:-2000}
FLUSH_EVERY=${SOAK_FLUSH_EVERY:-30s}
RESTART=${SOAK_REDIS_RESTART:-0}
PORT=${SOAK_PORT:-3200}
BACKEND_PORT=$((PORT + 90))

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for bin in redis-server node go; do
  command -v "$bin" >/dev/null || { echo "soak: $bin not found" >&2; exit 2; }
done

(cd "$ROOT" && go build -o "$WORK/portcullis" ./cmd/portcullis && go build -o "$WORK/soak" ./bench/soak)

REDIS_PORT=$((PORT + 79))
redis_start() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes \
    --appendfsync everysec --dir "$WORK" --loglevel warning >>"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  for _ in $(seq 100); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
    sleep 0.05
  done
  echo "soak: redis-server did not start" >&2
  exit 2
}
redis_start

start_instance() { # name port
  "$WORK/portcullis" serve -t "$HERE/soak/template.yaml" --stack-name soak \
    --port "$2" --admin-addr "127.0.0.1:$(($2 + 1))" --cache "redis://127.0.0.1:$REDIS_PORT/0" \
    --parameter-overrides "BackendUrl=http://127.0.0.1:$BACKEND_PORT" \
    --log-level warn >"$WORK/$1.out" 2>"$WORK/$1.err" &
  PIDS+=($!)
  echo $! >"$WORK/$1.pid"
}
start_instance A "$PORT"
start_instance B "$((PORT + 2))"
for name in A B; do
  for _ in $(seq 200); do grep -q '^admin ' "$WORK/$name.out" 2>/dev/null && break; sleep 0.05; done
  grep -q '^admin ' "$WORK/$name.out" || { echo "soak: instance $name did not start" >&2; cat "$WORK/$name.err" >&2; exit 2; }
done
API=$(sed -n 's/^API SoakApi (id \([a-z0-9]*\),.*/\1/p' "$WORK/A.out")

if [ "$RESTART" = 1 ]; then
  case "$DURATION" in
    *m) secs=$((${DURATION%m} * 60)) ;;
    *s) secs=${DURATION%s} ;;
    *) echo "soak: SOAK_REDIS_RESTART needs SOAK_DURATION in whole s or m" >&2; exit 2 ;;
  esac
  (
    sleep $((secs / 3)); echo "soak: killing redis-server"; kill -KILL "$REDIS_PID"
    sleep $((secs / 3)); echo "soak: restarting redis-server"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes \
      --appendfsync everysec --dir "$WORK" --loglevel warning >>"$WORK/redis.log" 2>&1 &
    echo $! >"$WORK/redis2.pid"; wait
  ) &
  PIDS+=($!)
fi

set +e
"$WORK/soak" -a "http://127.0.0.1:$PORT/soak" -b "http://127.0.0.1:$((PORT + 2))/soak" \
  -admin-a "http://127.0.0.1:$((PORT + 1))" -admin-b "http://127.0.0.1:$((PORT + 3))" \
  -api "$API" -pids "$(cat "$WORK/A.pid"),$(cat "$WORK/B.pid")" -backend "127.0.0.1:$BACKEND_PORT" \
  -duration "$DURATION" -rate "$RATE" -conns "$CONNS" -identities "$IDENTITIES" -flush-every "$FLUSH_EVERY"
status=$?
set -e
echo "authorizer cache keys in Redis at the end: $(redis-cli -p "$REDIS_PORT" --scan --pattern 'portcullis:*:authz:entry:*' 2>/dev/null | wc -l)"
[ -f "$WORK/redis2.pid" ] && kill -KILL "$(cat "$WORK/redis2.pid")" 2>/dev/null || true
exit $status
