#!/usr/bin/env bash
# Portcullis load benchmark: one run, side by side, loopback only.
#
#   direct       wrk -> backend                                  (the floor)
#   open         wrk -> Portcullis, NONE           -> HTTP_PROXY backend
#   cached       wrk -> Portcullis, TOKEN TTL 300  -> HTTP_PROXY backend (every request a cache hit)
#   uncached     wrk -> Portcullis, TOKEN TTL 0    -> HTTP_PROXY backend (Node authorizer every request)
#   lambda       wrk -> Portcullis, TOKEN TTL 300  -> Node AWS_PROXY function
#   nginx        wrk -> nginx auth_request + proxy_cache on the auth call -> backend
#   cached-info  "cached" again at the default log level (info), to price the execution log
#
# The backend is nginx answering `return 200 "ok\n"` (the fastest honest
# HTTP server at hand); the same backend sits behind every proxy, with
# keep-alive upstream connections on both proxies.
#
# CPU layout (2 cores): the gateway under test (Portcullis with its function
# workers, or the nginx gateway with one worker) runs alone on BENCH_GW_CPU;
# wrk and the backend share BENCH_LOAD_CPU. Each gateway thus gets exactly
# one core (Go sizes GOMAXPROCS from the affinity mask, so GOMAXPROCS=1,
# matching nginx's worker_processes 1), the ratio between gateways is a
# per-core ratio, and the load generator never steals the gateway's core.
# BENCH_UNPINNED=1 (default) adds the two headline rows again with nothing
# pinned (GOMAXPROCS=2, nginx worker_processes 2) for comparison.
#
# Every process started here runs in its own process group and is killed on
# exit. Tunables (environment): BENCH_DURATION (10s), BENCH_C1_DURATION (5s),
# BENCH_WARMUP (2s), BENCH_CONNS (64), BENCH_THREADS (2), BENCH_GW_CPU (0),
# BENCH_LOAD_CPU (1), BENCH_UNPINNED (1), BENCH_OUT (bench/results.md),
# BENCH_BIN (a prebuilt portcullis binary instead of building the tree).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
DURATION=${BENCH_DURATION:-10s}
C1_DURATION=${BENCH_C1_DURATION:-5s}
WARMUP=${BENCH_WARMUP:-2s}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2}
GW_CPU=${BENCH_GW_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
UNPINNED=${BENCH_UNPINNED:-1}
OUT=${BENCH_OUT:-$HERE/results.md}
TOKEN="Bearer bench-token"
DEADLINE=290 # seconds; the whole run must stay under 5 minutes

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools -------------------------------------------------------------------

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v taskset >/dev/null || need+=(util-linux)
command -v pgrep >/dev/null || need+=(procps)
command -v node >/dev/null || need+=(nodejs)
if ((${#need[@]})); then
	[[ $(id -u) == 0 ]] || die "missing ${need[*]}; run as root or install them (apt-get install -y ${need[*]})"
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v go >/dev/null || die "go is needed to build portcullis"
nginx -V 2>&1 | grep -q http_auth_request_module || die "this nginx lacks the auth_request module"
(($(nproc) >= 2)) || { log "fewer than 2 CPUs: nothing is pinned"; GW_CPU=0 LOAD_CPU=0; }

# --- processes ---------------------------------------------------------------

WORK=$(mktemp -d /tmp/portcullis-bench.XXXXXX)
chmod 755 "$WORK"
PGIDS=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for pg in "${PGIDS[@]}"; do stop_group "$pg"; done
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'log "terminated (deadline or signal)"; exit 143' TERM

# stop_group ends one process group started by start (its leader's pid).
stop_group() {
	local pg=$1
	kill -TERM -- "-$pg" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 -- "-$pg" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pg" 2>/dev/null || true
}

# start CPUS LOGFILE CMD... runs CMD in a new process group (setsid does not
# fork here: a background job of a script is not a group leader), pinned to
# CPUS ("all" for no pinning), and sets STARTED to its pid.
start() {
	local cpus=$1 logf=$2
	shift 2
	if [[ $cpus == all ]]; then
		setsid "$@" >"$logf" 2>&1 &
	else
		setsid taskset -c "$cpus" "$@" >"$logf" 2>&1 &
	fi
	STARTED=$!
	PGIDS+=("$STARTED")
}

stop() {
	local pid=$1 keep=() pg
	stop_group "$pid"
	for pg in "${PGIDS[@]}"; do [[ $pg == "$pid" ]] || keep+=("$pg"); done
	PGIDS=("${keep[@]}")
}

free_port() {
	local p
	for p in $(seq "$1" $(($1 + 200))); do
		if [[ -z $(ss -Htln "sport = :$p") ]] && [[ " ${TAKEN:-} " != *" $p "* ]]; then
			TAKEN="${TAKEN:-} $p"
			echo "$p"
			return
		fi
	done
	die "no free port from $1"
}

wait_port() {
	local port=$1 pid=$2
	for _ in $(seq 150); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# tree PID lists PID and all its descendants.
tree() {
	local p
	echo "$1"
	for p in $(pgrep -P "$1" || true); do tree "$p"; done
}

# ticks PIDS... is the CPU time (user+system, clock ticks) of the processes.
ticks() {
	local p t=0 f
	for p in "$@"; do
		f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		f=${f##*) } # fields after the command name
		read -r -a a <<<"$f"
		t=$((t + a[11] + a[12]))
	done
	echo "$t"
}

# hwm_kb PIDS... sums VmHWM (peak resident set) of the processes.
hwm_kb() {
	local p t=0 v
	for p in "$@"; do
		v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# --- build and configure -----------------------------------------------------

# A watchdog bounds the run; it is a process group of its own, stopped
# with the rest.
start all /dev/null bash -c "sleep $DEADLINE; echo '[bench] deadline of ${DEADLINE}s reached; stopping' >&2; kill -TERM $$"

if [[ -n ${BENCH_BIN:-} ]]; then
	BIN=$BENCH_BIN
	log "using prebuilt $BIN"
	VERSION="$("$BIN" version | awk '{print $2}') (prebuilt)"
else
	BIN=$WORK/portcullis
	log "building portcullis"
	(cd "$ROOT" && go build -trimpath -o "$BIN" ./cmd/portcullis)
	VERSION=$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown)
fi

BACKEND_PORT=$(free_port 18080)
AUTH_PORT=$(free_port 18090)
NGINX_PORT=$(free_port 18100)
GW_PORT=$(free_port 18110)
ADMIN_PORT=$(free_port 18120)
mkdir -p "$WORK/cache" "$WORK/tmp"
chmod 777 "$WORK/cache" "$WORK/tmp"

nginx_common() {
	cat <<EOF
daemon off;
pid $WORK/$1.pid;
worker_processes $2;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
EOF
	[[ $(id -u) == 0 ]] && echo "user root;"
}
nginx_http_common() {
	cat <<EOF
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path $WORK/tmp/body;
    proxy_temp_path $WORK/tmp/proxy;
    fastcgi_temp_path $WORK/tmp/fastcgi;
    uwsgi_temp_path $WORK/tmp/uwsgi;
    scgi_temp_path $WORK/tmp/scgi;
EOF
}

# The backend, and the auth endpoint the nginx gateway consults: 200 for the
# benchmark's token, 401 otherwise. Its access log counts auth calls.
{
	nginx_common backend 1
	echo "http {"
	nginx_http_common
	cat <<EOF
    server {
        listen 127.0.0.1:$BACKEND_PORT backlog=4096;
        location / { default_type text/plain; return 200 "ok\n"; }
    }
    server {
        listen 127.0.0.1:$AUTH_PORT;
        access_log $WORK/auth-calls.log;
        location / {
            if (\$http_authorization != "$TOKEN") { return 401; }
            return 200;
        }
    }
}
EOF
} >"$WORK/backend.conf"

# The peer for the gateway role: auth_request with the auth subrequest's
# answer cached for 300 s per Authorization header, keep-alive upstreams.
nginx_gateway_conf() {
	nginx_common "gateway-$1" "$1"
	echo "http {"
	nginx_http_common
	cat <<EOF
    proxy_cache_path $WORK/cache/$1 levels=1:2 keys_zone=auth$1:1m max_size=16m inactive=10m use_temp_path=off;
    upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; }
    upstream authsvc { server 127.0.0.1:$AUTH_PORT; keepalive 8; }
    server {
        listen 127.0.0.1:$NGINX_PORT backlog=4096;
        location / {
            auth_request /_auth;
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
        location = /_auth {
            internal;
            proxy_pass http://authsvc/auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache auth$1;
            proxy_cache_key \$http_authorization;
            proxy_cache_valid 200 401 403 300s;
            proxy_cache_lock on;
        }
    }
}
EOF
}

# --- measurement -------------------------------------------------------------

# wrk_line CONNS THREADS DURATION URL AUTH prints the BENCH line of one run.
wrk_line() {
	local c=$1 t=$2 d=$3 url=$4 auth=$5 secs out
	secs=${d%s}
	local hdr=()
	[[ -n $auth ]] && hdr=(-H "Authorization: $auth")
	local pin=(taskset -c "$LOAD_CPU")
	[[ ${PIN_LOAD:-1} == 0 ]] && pin=()
	out=$(timeout $((secs + 20)) "${pin[@]}" wrk -t"$t" -c"$c" -d"$d" --timeout 5s -s "$HERE/report.lua" "${hdr[@]}" "$url") ||
		die "wrk failed against $url: $out"
	grep '^BENCH ' <<<"$out" || die "no result from wrk against $url: $out"
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

ROWS=()
# measure NAME URL AUTH ROOTPID [tree]: warm up, load (c=CONNS), then c=1.
# With "tree" the RSS is the sum over the process tree (nginx's master and
# workers); otherwise it is ROOTPID's alone and its children (Portcullis's
# function workers) are reported apart.
measure() {
	local name=$1 url=$2 auth=$3 pid=$4 mode=${5:-} warm load c1 pids t0 t1 reqs cpu rss fnrss
	log "$name: warm-up $WARMUP"
	warm=$(wrk_line "$CONNS" 1 "$WARMUP" "$url" "$auth")
	if [[ $(field non2xx "$warm") != 0 || $(field sockerr "$warm") != 0 || $(field requests "$warm") == 0 ]]; then
		die "$name: warm-up against $url was not all 2xx: $warm"
	fi
	[[ -n ${AUTH_LOG:-} ]] && WARM_AUTH_CALLS=$(wc -l <"$AUTH_LOG")
	mapfile -t pids < <(tree "$pid")
	t0=$(ticks "${pids[@]}")
	log "$name: -t$THREADS -c$CONNS -d$DURATION"
	load=$(wrk_line "$CONNS" "$THREADS" "$DURATION" "$url" "$auth")
	mapfile -t pids < <(tree "$pid")
	t1=$(ticks "${pids[@]}")
	reqs=$(field requests "$load")
	# CPU microseconds the gateway process tree spent per request.
	cpu=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$reqs" 'BEGIN { printf "%.1f", d / hz * 1e6 / n }')
	if [[ $mode == tree ]]; then
		rss=$(hwm_kb "${pids[@]}") fnrss=0
	else
		rss=$(hwm_kb "$pid") fnrss=$(hwm_kb "${pids[@]:1}")
	fi
	log "$name: -t1 -c1 -d$C1_DURATION"
	c1=$(wrk_line 1 1 "$C1_DURATION" "$url" "$auth")
	for l in "$load" "$c1"; do
		if [[ $(field non2xx "$l") != 0 || $(field sockerr "$l") != 0 ]]; then
			die "$name: errors under load: $l"
		fi
	done
	ROWS+=("$name|$(field rps "$load")|$(field p50_us "$load")|$(field p99_us "$load")|$(field p50_us "$c1")|$(field p99_us "$c1")|$(field rps "$c1")|$cpu|$rss|$fnrss")
	log "$name: $(field rps "$load") req/s, p50 $(field p50_us "$load") µs, c1 p50 $(field p50_us "$c1") µs, $cpu CPU µs/req, VmHWM $rss kB"
}

portcullis() { # CPUS LEVEL LOGFILE
	start "$1" "$3" "$BIN" serve -t "$HERE/template.yaml" --port "$GW_PORT" --admin-addr "127.0.0.1:$ADMIN_PORT" \
		--log-level "$2" --parameter-overrides "BackendUrl=http://127.0.0.1:$BACKEND_PORT"
	wait_port "$GW_PORT" "$STARTED" || die "portcullis did not start: $(tail -20 "$3")"
}

run_portcullis() { # NAME ROUTE CPUS LEVEL
	local logf=$WORK/portcullis-$1.log
	[[ $4 == info ]] && logf=$WORK/portcullis-info.log
	portcullis "$3" "$4" "$logf"
	measure "$1" "http://127.0.0.1:$GW_PORT/bench/$2/x" "$TOKEN" "$STARTED"
	stop "$STARTED"
	[[ $4 == info ]] && INFO_LOG_BYTES=$(stat -c %s "$logf") && : >"$logf"
	return 0
}

run_nginx() { # NAME CPUS WORKERS
	nginx_gateway_conf "$3" >"$WORK/gateway-$3.conf"
	start "$2" "$WORK/gateway-$3.err" nginx -p "$WORK" -c "$WORK/gateway-$3.conf" -e "$WORK/gateway-$3.err"
	local pid=$STARTED
	wait_port "$NGINX_PORT" "$pid" || die "nginx gateway did not start: $(cat "$WORK/gateway-$3.err")"
	local before
	before=$(wc -l <"$WORK/auth-calls.log")
	AUTH_LOG=$WORK/auth-calls.log
	measure "$1" "http://127.0.0.1:$NGINX_PORT/x" "$TOKEN" "$pid" tree
	AUTH_LOG=
	AUTH_CALLS="$((WARM_AUTH_CALLS - before)) during warm-up and $(($(wc -l <"$WORK/auth-calls.log") - WARM_AUTH_CALLS)) while measured"
	stop "$pid"
	return 0
}

BACKEND_CPUS=$LOAD_CPU
start "$BACKEND_CPUS" "$WORK/backend.err" nginx -p "$WORK" -c "$WORK/backend.conf" -e "$WORK/backend.err"
BACKEND_PID=$STARTED
wait_port "$BACKEND_PORT" "$BACKEND_PID" || die "backend did not start: $(cat "$WORK/backend.err")"
: >>"$WORK/auth-calls.log"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }'; then
	log "warning: load average is $LOAD_BEFORE before the run; other work on this machine skews the numbers"
fi

STARTED_AT=$(date -u +%FT%TZ)
T0=$SECONDS
measure direct "http://127.0.0.1:$BACKEND_PORT/x" "" "$BACKEND_PID" tree
run_portcullis open open "$GW_CPU" warn
run_portcullis cached cached "$GW_CPU" warn
run_portcullis uncached uncached "$GW_CPU" warn
run_portcullis lambda lambda "$GW_CPU" warn
run_nginx nginx "$GW_CPU" 1
NGINX_AUTH_CALLS=$AUTH_CALLS
run_portcullis cached-info cached "$GW_CPU" info
if [[ $UNPINNED == 1 ]]; then
	# Whole machine: nothing pinned, everything competes for both cores.
	PIN_LOAD=0
	run_portcullis cached-unpinned cached all warn
	run_nginx nginx-unpinned all 2
	PIN_LOAD=1
fi
ELAPSED=$((SECONDS - T0))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------

declare -A RPS P50 C1P50 RSS
for r in "${ROWS[@]}"; do
	IFS='|' read -r n rps p50 p99 c1p50 c1p99 c1rps cpu rss fnrss <<<"$r"
	RPS[$n]=$rps P50[$n]=$p50 C1P50[$n]=$c1p50 RSS[$n]=$rss
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; print ok ? "met" : "NOT met" }'; }

THROUGHPUT=$(ratio "${RPS[cached]}" "${RPS[nginx]}")
ADDED=$((C1P50[cached] - C1P50[direct]))
ADDED_NGINX=$((C1P50[nginx] - C1P50[direct]))
GW_RSS=$(mb "${RSS[cached]}")
INFO_COST=$(ratio "${RPS[cached-info]}" "${RPS[cached]}")

describe() {
	case $1 in
	direct) echo "direct backend (nginx \`return 200\`)" ;;
	open) echo "Portcullis, no auth → HTTP_PROXY" ;;
	cached) echo "Portcullis, cached TOKEN authorizer (TTL 300) → HTTP_PROXY" ;;
	uncached) echo "Portcullis, Node TOKEN authorizer every request (TTL 0) → HTTP_PROXY" ;;
	lambda) echo "Portcullis, cached Node authorizer → Node AWS_PROXY" ;;
	nginx) echo "nginx auth_request + proxy_cache (1 worker) → backend" ;;
	cached-info) echo "cached, default --log-level info" ;;
	cached-unpinned) echo "cached, nothing pinned (GOMAXPROCS 2)" ;;
	nginx-unpinned) echo "nginx, nothing pinned (2 workers)" ;;
	esac
}

table() {
	echo "| # | scenario | req/s (c$CONNS) | p50 µs | p99 µs | c1 p50 µs | c1 p99 µs | c1 req/s | CPU µs/req | RSS MB | fn workers RSS MB |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	local i=0
	for r in "${ROWS[@]}"; do
		IFS='|' read -r n rps p50 p99 c1p50 c1p99 c1rps cpu rss fnrss <<<"$r"
		i=$((i + 1))
		local f=-
		((fnrss > 0)) && f=$(mb "$fnrss")
		printf '| %d | %s | %.0f | %d | %d | %d | %d | %.0f | %s | %s | %s |\n' "$i" "$(describe "$n")" "$rps" "$p50" "$p99" \
			"$c1p50" "$c1p99" "$c1rps" "$cpu" "$(mb "$rss")" "$f"
	done
}

targets() {
	echo "| target | value | goal | |"
	echo "|---|--:|--:|---|"
	echo "| cached-authorizer throughput ÷ nginx auth_request+proxy_cache | ${THROUGHPUT}× | ≥ 1.0× | $(verdict "$THROUGHPUT" 1.0 '>=') |"
	echo "| c1 p50 added latency over the direct backend (cached) | ${ADDED} µs | ≤ 100 µs | $(verdict "$ADDED" 100 '<=') |"
	echo "| gateway peak RSS under load (cached) | ${GW_RSS} MB | ≤ 64 MB | $(verdict "$GW_RSS" 64 '<=') |"
	echo
	echo "For reference: nginx adds $ADDED_NGINX µs at c1 p50; the no-auth route reaches $(ratio "${RPS[open]}" "${RPS[nginx]}")× nginx; the default log level (info) runs at ${INFO_COST}× the throughput of \`--log-level warn\` and wrote $(mb $((${INFO_LOG_BYTES:-0} / 1024))) MB of log in ${DURATION%s}+${C1_DURATION%s}+${WARMUP%s} s."
	if [[ $UNPINNED == 1 ]]; then
		echo "Unpinned (both cores shared by wrk, backend and gateway): cached Portcullis reaches $(ratio "${RPS[cached-unpinned]}" "${RPS[nginx-unpinned]}")× nginx."
	fi
	echo "The nginx auth endpoint was called $NGINX_AUTH_CALLS."
}

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
	cat <<EOF
# Portcullis benchmark results

Produced by \`bench/run.sh\` on $STARTED_AT in ${ELAPSED} s of measurement. Rerun it to reproduce;
numbers from a different machine are not comparable with these, only the ratios are.

## Results

$(table)

$(targets)

Columns: throughput and latency percentiles from wrk (\`-t$THREADS -c$CONNS -d$DURATION\`, then \`-t1 -c1
-d$C1_DURATION\` for the single-connection latency); *CPU µs/req* is the user+system CPU time of the
gateway's process tree (Portcullis with its function workers, or nginx's master and workers) during the
c$CONNS run divided by the requests served; *RSS* is the gateway process's peak resident set
(\`VmHWM\` from \`/proc/PID/status\`; for nginx, master plus workers) after the load run; *fn workers
RSS* is the peak RSS of Portcullis's Node worker processes, summed.

## Setup

- Machine: $(nproc) × $cpu_model, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr);
  load average $LOAD_BEFORE before the run, $LOAD_AFTER after (anything else running skews the numbers)
- Portcullis $VERSION built with $(go version | awk '{print $3}') (\`go build -trimpath\`), in-memory
  authorizer cache, \`--log-level warn\` unless stated; $(node --version 2>/dev/null | sed 's/^/Node /') for functions
- $(nginx -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}')
- Backend: nginx, 1 worker, \`return 200 "ok\n"\`, on CPU $LOAD_CPU
- Pinning: the gateway under test alone on CPU $GW_CPU (so GOMAXPROCS=1 and nginx \`worker_processes 1\`);
  wrk and the backend on CPU $LOAD_CPU. The unpinned rows let every process use both cores.
- Authorizer: \`bench/functions/authorizer.js\`, one token (\`Authorization: $TOKEN\`), a wildcard
  Allow policy; TTL 300 makes every measured request a cache hit (warm-up of $WARMUP fills it).
- Each Portcullis scenario is a fresh process serving \`bench/template.yaml\`.

Commands (ports vary per run):

\`\`\`
portcullis serve -t bench/template.yaml --port $GW_PORT --admin-addr 127.0.0.1:$ADMIN_PORT --log-level warn \\
    --parameter-overrides BackendUrl=http://127.0.0.1:$BACKEND_PORT       # taskset -c $GW_CPU
nginx -p WORK -c gateway-1.conf                                             # taskset -c $GW_CPU
nginx -p WORK -c backend.conf                                               # taskset -c $LOAD_CPU
taskset -c $LOAD_CPU wrk -t1 -c$CONNS -d$WARMUP -s bench/report.lua -H 'Authorization: $TOKEN' URL   # warm-up
taskset -c $LOAD_CPU wrk -t$THREADS -c$CONNS -d$DURATION -s bench/report.lua -H 'Authorization: $TOKEN' URL
taskset -c $LOAD_CPU wrk -t1 -c1 -d$C1_DURATION -s bench/report.lua -H 'Authorization: $TOKEN' URL
\`\`\`

URLs: \`/x\` on the backend and on nginx; \`/bench/{open,cached,uncached,lambda}/x\` on Portcullis.

The nginx gateway (\`worker_processes 1\`):

\`\`\`nginx
$(nginx_gateway_conf 1 | sed -n '/proxy_cache_path/,$p' | sed "s#$WORK#WORK#g")
\`\`\`
EOF
	if [[ -f $HERE/profile.md ]]; then
		echo
		echo "Where the gateway spends its CPU on the cached path, and what to cut next: [profile.md](profile.md)."
	fi
} >"$OUT"

echo
table
echo
targets
log "wrote $OUT"
