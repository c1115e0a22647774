#!/usr/bin/env bash
# Portcullis load benchmark: one run, side by side, loopback only, under
# five minutes. Writes bench/results.md and prints the table.
#
#   direct       wrk -> backend                                          (the floor)
#   fastproxy    wrk -> bench/fastproxy (fasthttp server + client only) -> backend
#   open         wrk -> Portcullis, NONE          -> HTTP_PROXY backend
#   cached       wrk -> Portcullis, TOKEN TTL 300 -> HTTP_PROXY backend  (every request a cache hit)
#   uncached     wrk -> Portcullis, TOKEN TTL 0   -> HTTP_PROXY backend  (Node authorizer every request)
#   lambda       wrk -> Portcullis, TOKEN TTL 300 -> Node AWS_PROXY function
#   nginx        wrk -> nginx auth_request, proxy_cache on the auth call -> backend
#   cached-info  "cached" at the default log level (info), to price the execution log
#   *-unpinned   direct, cached and nginx again with nothing pinned
#
# The backend is nginx answering `return 200 "ok\n"`, the fastest honest HTTP
# server at hand; the same backend sits behind every proxy, and both proxies
# keep their upstream connections alive.
#
# CPUs (2 cores): the gateway under test (Portcullis with its function
# workers, or nginx with one worker) runs alone on BENCH_GW_CPU; wrk and the
# backend share BENCH_LOAD_CPU. Each gateway thus gets exactly one core (Go
# sizes GOMAXPROCS from the affinity mask, so GOMAXPROCS=1, like nginx's
# worker_processes 1), the throughput ratio is a per-core ratio, and the
# load generator never steals the gateway's core. For the one-connection
# latency run the gateway is moved onto the load CPU, so that the number is
# the gateway's own latency and not the cost of cross-CPU wake-ups. The
# unpinned rows show what the scheduler does with everything free.
#
# Every process of the benchmark runs at nice BENCH_NICE (-15 when root) so
# that other work on the machine disturbs the numbers less; the load average
# before and after is recorded with them. Every process started here runs in
# its own process group and is killed on exit; a watchdog bounds the run.
#
# The headline ratio (cached Portcullis against nginx) comes from a separate
# phase in which both run at once on the gateway CPU and take the load in
# alternating rounds; the medians of the rounds are compared. On a shared or
# virtual machine throughput drifts by tens of percent from one ten-second
# window to the next, and alternating keeps that drift out of the ratio.
#
# Tunables (environment): BENCH_DURATION (8s), BENCH_C1_DURATION (3s),
# BENCH_ROUNDS (4) and BENCH_ROUND_DURATION (4s) for the headline phase,
# BENCH_WARMUP (2s), BENCH_CONNS (64), BENCH_THREADS (2: wrk threads when
# unpinned; pinned, wrk has one CPU and one thread), BENCH_GW_CPU (0),
# BENCH_LOAD_CPU (1), BENCH_NICE (-15), BENCH_UNPINNED (1),
# BENCH_OUT (bench/results.md), BENCH_BIN (a prebuilt portcullis instead of
# building the working tree).
set -euo pipefail
set +m # no job control: background jobs stay in our process group, so setsid below does not fork

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
DURATION=${BENCH_DURATION:-8s}
C1_DURATION=${BENCH_C1_DURATION:-3s}
ROUNDS=${BENCH_ROUNDS:-4}
ROUND_DURATION=${BENCH_ROUND_DURATION:-4s}
WARMUP=${BENCH_WARMUP:-2s}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2}
GW_CPU=${BENCH_GW_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
UNPINNED=${BENCH_UNPINNED:-1}
NICE=${BENCH_NICE:--15}
[[ $(id -u) == 0 ]] || NICE=0
OUT=${BENCH_OUT:-$HERE/results.md}
# The soak figures (bench/soak.sh, the last section) are kept across runs.
SOAK_SECTION=$([[ -f $OUT ]] && sed -n '/^## Soak$/,$p' "$OUT" || true)
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
		setsid nice -n "$NICE" "$@" >"$logf" 2>&1 &
	else
		setsid nice -n "$NICE" taskset -c "$cpus" "$@" >"$logf" 2>&1 &
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

# ticks PIDS... prints the user and the system CPU time (clock ticks) of the
# processes.
ticks() {
	local p u=0 s=0 f a
	for p in "$@"; do
		f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		f=${f##*) } # fields after the command name
		read -r -a a <<<"$f"
		u=$((u + a[11])) s=$((s + a[12]))
	done
	echo "$u $s"
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
(cd "$ROOT" && go build -trimpath -o "$WORK/fastproxy" ./bench/fastproxy)

BACKEND_PORT=$(free_port 18080)
AUTH_PORT=$(free_port 18090)
NGINX_PORT=$(free_port 18100)
GW_PORT=$(free_port 18110)
ADMIN_PORT=$(free_port 18120)
FAST_PORT=$(free_port 18130)
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
# nginx_gateway_conf WORKERS [plain]: without "plain", open_file_cache keeps
# the cache file open between hits, which makes nginx markedly faster here.
nginx_gateway_conf() {
	local name=$1${2:-}
	nginx_common "gateway-$name" "$1"
	echo "http {"
	nginx_http_common
	[[ -z ${2:-} ]] && echo "    open_file_cache max=1000 inactive=60s;"
	cat <<EOF
    proxy_cache_path $WORK/cache/$name levels=1:2 keys_zone=auth$name:1m max_size=16m inactive=10m use_temp_path=off;
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
            proxy_cache auth$name;
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
	local pin=(nice -n "$NICE" taskset -c "$LOAD_CPU")
	[[ ${PIN_LOAD:-1} == 0 ]] && pin=(nice -n "$NICE")
	out=$(timeout $((secs + 20)) "${pin[@]}" wrk -t"$t" -c"$c" -d"$d" --timeout 5s -s "$HERE/report.lua" "${hdr[@]}" "$url") ||
		die "wrk failed against $url: $out"
	grep '^BENCH ' <<<"$out" || die "no result from wrk against $url: $out"
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

ROWS=()
declare -A FN_CPU_MS
# cpustat CPUS prints the busy and total jiffies of CPUS ("all" or one CPU
# number) from /proc/stat; busy includes the softirq time in which the
# kernel does loopback packet processing, which no process is charged for.
cpustat() {
	local line=cpu
	[[ $1 == all ]] || line=cpu$1
	awk -v l="$line" '$1 == l { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# measure NAME URL AUTH ROOTPID CPUS [tree]: warm up, load (c=CONNS), then
# c=1. CPUS is where the gateway runs ("all" when unpinned). With "tree" the
# RSS is the sum over the process tree (nginx's master and workers);
# otherwise it is ROOTPID's alone and its children (Portcullis's function
# workers) are reported apart.
#
# The c=1 run of a pinned gateway moves it (every thread of its process
# tree) onto the load CPU first: one request at a time has no parallelism to
# lose, and colocated the number is the gateway's own latency rather than
# this machine's cost of waking a process on another CPU, which a request
# through a proxy pays four times. With C1_CROSS=1 the c=1 run is also done
# before the move, and its p50 is kept in C1_CROSS_P50.
measure() {
	local name=$1 url=$2 auth=$3 pid=$4 cpus=$5 mode=${6:-} warm load c1 pids t0 t1 s0 s1 f0 f1 reqs cpu rss fnrss threads=1 p
	[[ $cpus == all ]] && threads=$THREADS
	log "$name: warm-up $WARMUP"
	warm=$(wrk_line "$CONNS" 1 "$WARMUP" "$url" "$auth")
	if [[ $(field non2xx "$warm") != 0 || $(field sockerr "$warm") != 0 || $(field requests "$warm") == 0 ]]; then
		die "$name: warm-up against $url was not all 2xx: $warm"
	fi
	[[ -n ${AUTH_LOG:-} ]] && WARM_AUTH_CALLS=$(wc -l <"$AUTH_LOG")
	mapfile -t pids < <(tree "$pid")
	t0=$(ticks "${pids[@]}") s0=$(cpustat "$cpus") f0=$(ticks "${pids[@]:1}")
	log "$name: -t$threads -c$CONNS -d$DURATION"
	load=$(wrk_line "$CONNS" "$threads" "$DURATION" "$url" "$auth")
	f1=$(ticks "${pids[@]:1}") # the same child processes as before
	mapfile -t pids < <(tree "$pid")
	t1=$(ticks "${pids[@]}") s1=$(cpustat "$cpus")
	FN_CPU_MS[$name]=$(awk -v a="$f0" -v b="$f1" -v hz="$(getconf CLK_TCK)" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[1] + y[2] - x[1] - x[2]) * 1000 / hz }')
	reqs=$(field requests "$load")
	# CPU microseconds the gateway's processes spent per request (user and
	# system), and how busy the gateway's CPU was: near 100% means the
	# gateway was the bottleneck.
	cpu=$(awk -v a="$t0" -v b="$t1" -v c="$s0" -v d="$s1" -v hz="$(getconf CLK_TCK)" -v n="$reqs" 'BEGIN {
		split(a, x, " "); split(b, y, " "); u = (y[1] - x[1]) / hz; s = (y[2] - x[2]) / hz
		split(c, p, " "); split(d, q, " ")
		printf "%.1f|%.1f|%.1f|%.0f", (u + s) * 1e6 / n, u * 1e6 / n, s * 1e6 / n, (q[1] - p[1]) / (q[2] - p[2]) * 100 }')
	if [[ $mode == tree ]]; then
		rss=$(hwm_kb "${pids[@]}") fnrss=0
	else
		rss=$(hwm_kb "$pid") fnrss=$(hwm_kb "${pids[@]:1}")
	fi
	if [[ $cpus != all && $cpus != "$LOAD_CPU" ]]; then
		if [[ ${C1_CROSS:-0} == 1 ]]; then
			log "$name: -t1 -c1 -d$C1_DURATION, gateway on CPU $cpus"
			C1_CROSS_P50=$(field p50_us "$(wrk_line 1 1 "$C1_DURATION" "$url" "$auth")")
		fi
		for p in "${pids[@]}"; do taskset -a -p -c "$LOAD_CPU" "$p" >/dev/null; done
	fi
	log "$name: -t1 -c1 -d$C1_DURATION"
	c1=$(wrk_line 1 1 "$C1_DURATION" "$url" "$auth")
	for l in "$load" "$c1"; do
		if [[ $(field non2xx "$l") != 0 || $(field sockerr "$l") != 0 ]]; then
			die "$name: errors under load: $l"
		fi
	done
	ROWS+=("$name|$(field rps "$load")|$(field p50_us "$load")|$(field p99_us "$load")|$(field p50_us "$c1")|$(field p99_us "$c1")|$(field rps "$c1")|$cpu|$rss|$fnrss")
	log "$name: $(field rps "$load") req/s, p50 $(field p50_us "$load") µs, c1 p50 $(field p50_us "$c1") µs, CPU µs/req|user|sys|busy% $cpu, VmHWM $rss kB"
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
	measure "$1" "http://127.0.0.1:$GW_PORT/bench/$2/x" "$TOKEN" "$STARTED" "$3"
	stop "$STARTED"
	[[ $4 == info ]] && INFO_LOG_BYTES=$(stat -c %s "$logf") && : >"$logf"
	return 0
}

run_nginx() { # NAME CPUS WORKERS [plain]
	local conf=gateway-$3${4:-}
	nginx_gateway_conf "$3" "${4:-}" >"$WORK/$conf.conf"
	start "$2" "$WORK/$conf.err" nginx -p "$WORK" -c "$WORK/$conf.conf" -e "$WORK/$conf.err"
	local pid=$STARTED
	wait_port "$NGINX_PORT" "$pid" || die "nginx gateway did not start: $(cat "$WORK/$conf.err")"
	local before
	before=$(wc -l <"$WORK/auth-calls.log")
	AUTH_LOG=$WORK/auth-calls.log
	measure "$1" "http://127.0.0.1:$NGINX_PORT/x" "$TOKEN" "$pid" "$2" tree
	AUTH_LOG=
	AUTH_CALLS="$((WARM_AUTH_CALLS - before)) during warm-up and $(($(wc -l <"$WORK/auth-calls.log") - WARM_AUTH_CALLS)) while measured"
	stop "$pid"
	return 0
}

busy() { awk -v c="$1" -v d="$2" 'BEGIN { split(c, p, " "); split(d, q, " "); printf "%.0f", (q[1] - p[1]) / (q[2] - p[2]) * 100 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# headline runs cached Portcullis and nginx side by side on the gateway CPU
# and loads them in alternating rounds; it sets HL_* from the medians.
headline() {
	local pc ng i name url pids t0 t1 s0 s1 l0 l1 c line reqs
	portcullis "$GW_CPU" warn "$WORK/portcullis-headline.log"
	pc=$STARTED
	nginx_gateway_conf 1 >"$WORK/gateway-headline.conf"
	sed -i "s#gateway-1.pid#gateway-headline.pid#; s#/cache/1 #/cache/headline #" "$WORK/gateway-headline.conf"
	start "$GW_CPU" "$WORK/gateway-headline.err" nginx -p "$WORK" -c "$WORK/gateway-headline.conf" -e "$WORK/gateway-headline.err"
	ng=$STARTED
	wait_port "$NGINX_PORT" "$ng" || die "nginx gateway did not start: $(cat "$WORK/gateway-headline.err")"
	local -A root=([cached]=$pc [nginx]=$ng) target=([cached]="http://127.0.0.1:$GW_PORT/bench/cached/x" [nginx]="http://127.0.0.1:$NGINX_PORT/x")
	local -A rps=() cpu=()
	for name in cached nginx; do
		line=$(wrk_line "$CONNS" 1 "$WARMUP" "${target[$name]}" "$TOKEN")
		[[ $(field non2xx "$line") == 0 ]] || die "headline $name warm-up: $line"
	done
	for i in $(seq "$ROUNDS"); do
		for name in cached nginx; do
			mapfile -t pids < <(tree "${root[$name]}")
			t0=$(ticks "${pids[@]}") s0=$(cpustat "$GW_CPU") l0=$(cpustat "$LOAD_CPU")
			line=$(wrk_line "$CONNS" 1 "$ROUND_DURATION" "${target[$name]}" "$TOKEN")
			t1=$(ticks "${pids[@]}") s1=$(cpustat "$GW_CPU") l1=$(cpustat "$LOAD_CPU")
			[[ $(field non2xx "$line") == 0 && $(field sockerr "$line") == 0 ]] || die "headline $name: $line"
			reqs=$(field requests "$line")
			rps[$name]+="$(printf '%.0f' "$(field rps "$line")") "
			c=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" -v n="$reqs" 'BEGIN {
				split(a, x, " "); split(b, y, " "); printf "%.2f", (y[1] + y[2] - x[1] - x[2]) / hz * 1e6 / n }')
			cpu[$name]+="$c "
			log "headline round $i/$ROUNDS: $name $(field rps "$line") req/s, $c CPU µs/req, gateway CPU busy $(busy "$s0" "$s1")%, load CPU busy $(busy "$l0" "$l1")%"
		done
	done
	stop "$pc"
	stop "$ng"
	HL_PC_RPS=$(tr ' ' '\n' <<<"${rps[cached]}" | grep . | median)
	HL_NG_RPS=$(tr ' ' '\n' <<<"${rps[nginx]}" | grep . | median)
	HL_PC_CPU=$(tr ' ' '\n' <<<"${cpu[cached]}" | grep . | median)
	HL_NG_CPU=$(tr ' ' '\n' <<<"${cpu[nginx]}" | grep . | median)
	HL_PC_ALL=${rps[cached]% } HL_NG_ALL=${rps[nginx]% }
	log "headline: cached $HL_PC_RPS req/s ($HL_PC_ALL), nginx $HL_NG_RPS req/s ($HL_NG_ALL)"
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
measure direct "http://127.0.0.1:$BACKEND_PORT/x" "" "$BACKEND_PID" "$LOAD_CPU" tree
start "$GW_CPU" "$WORK/fastproxy.log" "$WORK/fastproxy" -listen "127.0.0.1:$FAST_PORT" -backend "127.0.0.1:$BACKEND_PORT"
wait_port "$FAST_PORT" "$STARTED" || die "fastproxy did not start: $(cat "$WORK/fastproxy.log")"
measure fastproxy "http://127.0.0.1:$FAST_PORT/x" "$TOKEN" "$STARTED" "$GW_CPU"
stop "$STARTED"
run_portcullis open open "$GW_CPU" warn
C1_CROSS=1
run_portcullis cached cached "$GW_CPU" warn
C1_CROSS=0
run_portcullis uncached uncached "$GW_CPU" warn
run_portcullis lambda lambda "$GW_CPU" warn
run_nginx nginx "$GW_CPU" 1
NGINX_AUTH_CALLS=$AUTH_CALLS
run_nginx nginx-plain "$GW_CPU" 1 plain
headline
run_portcullis cached-info cached "$GW_CPU" info
if [[ $UNPINNED == 1 ]]; then
	# Whole machine: nothing pinned, everything competes for both cores.
	PIN_LOAD=0
	stop "$BACKEND_PID"
	start all "$WORK/backend.err" nginx -p "$WORK" -c "$WORK/backend.conf" -e "$WORK/backend.err"
	BACKEND_PID=$STARTED
	wait_port "$BACKEND_PORT" "$BACKEND_PID" || die "backend did not restart: $(cat "$WORK/backend.err")"
	measure direct-unpinned "http://127.0.0.1:$BACKEND_PORT/x" "" "$BACKEND_PID" all tree
	run_portcullis cached-unpinned cached all warn
	run_nginx nginx-unpinned all 2
	PIN_LOAD=1
fi
ELAPSED=$((SECONDS - T0))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------

declare -A RPS C1P50 RSS CPU
for r in "${ROWS[@]}"; do
	IFS='|' read -r n rps p50 p99 c1p50 c1p99 c1rps cpu cpuu cpus busy rss fnrss <<<"$r"
	RPS[$n]=$rps C1P50[$n]=$c1p50 RSS[$n]=$rss CPU[$n]=$cpu
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; print ok ? "met" : "not met" }'; }

# row NAME is the table's row number of a scenario.
row() {
	local i=0 r
	for r in "${ROWS[@]}"; do
		i=$((i + 1))
		[[ ${r%%|*} == "$1" ]] && echo "$i" && return
	done
}

THROUGHPUT=$(ratio "$HL_PC_RPS" "$HL_NG_RPS")
CPU_RATIO=$(ratio "$HL_NG_CPU" "$HL_PC_CPU")
ADDED=$((C1P50[cached] - C1P50[direct]))
ADDED_NGINX=$((C1P50[nginx] - C1P50[direct]))
GW_RSS=$(mb "${RSS[cached]}")

describe() {
	case $1 in
	direct) echo "direct backend (nginx \`return 200\`)" ;;
	fastproxy) echo "bare fasthttp proxy (\`bench/fastproxy\`: Portcullis's HTTP stack alone)" ;;
	open) echo "Portcullis, no auth → HTTP_PROXY" ;;
	cached) echo "**Portcullis, cached TOKEN authorizer (TTL 300) → HTTP_PROXY**" ;;
	uncached) echo "Portcullis, Node TOKEN authorizer on every request (TTL 0) → HTTP_PROXY" ;;
	lambda) echo "Portcullis, cached Node authorizer → Node AWS_PROXY" ;;
	nginx) echo "**nginx auth_request + proxy_cache → backend** (1 worker)" ;;
	nginx-plain) echo "nginx as above without \`open_file_cache\`" ;;
	cached-info) echo "cached authorizer as above, default \`--log-level info\`" ;;
	direct-unpinned) echo "direct backend, nothing pinned" ;;
	cached-unpinned) echo "cached authorizer, nothing pinned (GOMAXPROCS 2)" ;;
	nginx-unpinned) echo "nginx auth_request, nothing pinned (2 workers)" ;;
	esac
}

table() {
	echo "| # | scenario | req/s | p50 µs | p99 µs | c1 p50 µs | c1 p99 µs | CPU µs/req (user+sys) | CPU busy % | RSS MB | fn workers RSS MB |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	local i=0 r n rps p50 p99 c1p50 c1p99 c1rps cpu cpuu cpus busy rss fnrss f
	for r in "${ROWS[@]}"; do
		IFS='|' read -r n rps p50 p99 c1p50 c1p99 c1rps cpu cpuu cpus busy rss fnrss <<<"$r"
		i=$((i + 1))
		f=-
		((fnrss > 0)) && f=$(mb "$fnrss")
		printf '| %d | %s | %.0f | %d | %d | %d | %d | %s (%s+%s) | %s | %s | %s |\n' "$i" "$(describe "$n")" "$rps" "$p50" "$p99" \
			"$c1p50" "$c1p99" "$cpu" "$cpuu" "$cpus" "$busy" "$(mb "$rss")" "$f"
	done
}

targets() {
	local c d o n np ci fp
	c=$(row cached) d=$(row direct) o=$(row open) n=$(row nginx) np=$(row nginx-plain) ci=$(row cached-info) fp=$(row fastproxy)
	echo "| target (issue 7) | this run | goal | |"
	echo "|---|--:|--:|---|"
	echo "| cached-authorizer throughput ÷ nginx auth_request+proxy_cache (alternating rounds, medians) | ${THROUGHPUT}× | ≥ 1.0× | $(verdict "$THROUGHPUT" 1.0 '>=') |"
	echo "| c1 p50 added latency over the direct backend (rows $c − $d) | ${ADDED} µs | ≤ 100 µs | $(verdict "$ADDED" 100 '<=') |"
	echo "| gateway peak RSS under load (row $c) | ${GW_RSS} MB | ≤ 64 MB | $(verdict "$GW_RSS" 64 '<=') |"
	echo
	echo "Also from this run:"
	echo
	echo "- Headline phase: $ROUNDS alternating rounds of $ROUND_DURATION, $CONNS connections, both gateways on CPU $GW_CPU."
	echo "  Cached Portcullis: median $(printf '%.0f' "$HL_PC_RPS") req/s (rounds: $HL_PC_ALL), $(printf '%.1f' "$HL_PC_CPU") CPU µs/req;"
	echo "  nginx: median $(printf '%.0f' "$HL_NG_RPS") req/s (rounds: $HL_NG_ALL), $(printf '%.1f' "$HL_NG_CPU") CPU µs/req."
	echo "  CPU per request is far steadier than req/s on this machine; nginx ÷ Portcullis in CPU per request is"
	echo "  ${CPU_RATIO}×, the per-core throughput ratio once both saturate their core. The single runs of rows $c and $n"
	echo "  give $(ratio "${RPS[cached]}" "${RPS[nginx]}")× in req/s."
	echo "- The bare fasthttp proxy (row $fp), Portcullis's HTTP stack alone, reaches $(ratio "${RPS[fastproxy]}" "${RPS[nginx]}")× nginx at ${CPU[fastproxy]} CPU µs/req."
	echo "  Portcullis with no auth (row $o) spends $(awk -v a="${CPU[open]}" -v b="${CPU[fastproxy]}" 'BEGIN { printf "%.1f", a - b }') µs/req more, with the"
	echo "  cached authorizer (row $c) $(awk -v a="${CPU[cached]}" -v b="${CPU[fastproxy]}" 'BEGIN { printf "%.1f", a - b }') µs/req more."
	echo "- nginx adds $ADDED_NGINX µs at c1 p50 (rows $n − $d). Left on its own CPU for the c1 run (four cross-CPU"
	echo "  wake-ups per request) cached Portcullis measures ${C1_CROSS_P50:-?} µs at c1 p50 instead of ${C1P50[cached]} µs."
	echo "- Without \`open_file_cache\` (row $np) nginx reaches $(ratio "${RPS[nginx-plain]}" "${RPS[nginx]}")× its tuned throughput, at ${CPU[nginx-plain]} CPU µs/req."
	echo "- The default log level (row $ci) runs at $(ratio "${RPS[cached-info]}" "${RPS[cached]}")× the throughput of \`--log-level warn\`,"
	echo "  costs $(awk -v a="${CPU[cached-info]}" -v b="${CPU[cached]}" 'BEGIN { printf "%.1f", a - b }') µs of CPU more per request and wrote $(mb $((${INFO_LOG_BYTES:-0} / 1024))) MB of log to a file in ${WARMUP%s}+${DURATION%s}+${C1_DURATION%s} s."
	if [[ $UNPINNED == 1 ]]; then
		echo "- Unpinned (rows $(row direct-unpinned)–$(row nginx-unpinned); wrk, backend and gateway share both CPUs): cached Portcullis"
		echo "  reaches $(ratio "${RPS[cached-unpinned]}" "${RPS[nginx-unpinned]}")× nginx and adds $((C1P50[cached-unpinned] - C1P50[direct-unpinned])) µs at c1 p50 (nginx: $((C1P50[nginx-unpinned] - C1P50[direct-unpinned])) µs)."
	fi
	echo "- The nginx auth endpoint was called $NGINX_AUTH_CALLS; Portcullis's Node authorizer worker"
	echo "  used ${FN_CPU_MS[cached]} ms of CPU during the cached load run (row $c), against ${FN_CPU_MS[uncached]} ms uncached (row $(row uncached))."
}

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
	cat <<EOF
# Portcullis benchmark results

Produced by \`bench/run.sh\` on $STARTED_AT ($ELAPSED s of measurement). Rerun it to reproduce; absolute
numbers depend on the machine, the ratios much less.

## Results

$(table)

$(targets)

### Columns

- *req/s*, *p50*, *p99*: wrk with $CONNS connections for $DURATION (\`-t1\` on the one load CPU, \`-t$THREADS\` unpinned).
- *c1 p50*, *c1 p99*: wrk with one connection for $C1_DURATION, one request at a time. A pinned gateway is first
  moved onto the load CPU with wrk and the backend (\`taskset -a -p\`): with no parallelism to lose, the
  number is then the gateway's own latency rather than this VM's cost of waking a process on another CPU.
- *CPU µs/req*: user + system CPU time of the gateway's processes (Portcullis and its function workers;
  nginx's master and workers) during the $CONNS-connection run, divided by the requests served. With
  tick-based accounting the kernel's loopback packet processing done in the gateway's context is
  included in system time.
- *CPU busy %*: how busy the gateway's CPU was during that run (from \`/proc/stat\`); near 100 means
  the gateway was the bottleneck. For the direct backend it is the shared load CPU; unpinned rows show
  both CPUs.
- *RSS*: peak resident set (\`VmHWM\`) of the gateway process after the load run (for nginx, master plus
  workers); *fn workers RSS* sums the peaks of Portcullis's Node worker processes.

## Setup

- Machine: $(nproc) × $cpu_model, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr);
  load average $LOAD_BEFORE before the run, $LOAD_AFTER after (other work on the machine skews the numbers).
- Portcullis $VERSION, $(go version | awk '{print $3}'), \`go build -trimpath\`; in-memory authorizer cache;
  \`--log-level warn\` unless stated; $(node --version 2>/dev/null | sed 's/^/Node.js /') functions.
- $(nginx -v 2>&1 | sed 's/.*: //'); $(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}').
- Backend: nginx with one worker answering \`return 200 "ok\n"\`, behind every proxy, with keep-alive
  upstream connections on both Portcullis and nginx.
- CPUs: the gateway under test alone on CPU $GW_CPU (so Go's GOMAXPROCS is 1, like nginx's
  \`worker_processes 1\`); wrk and the backend on CPU $LOAD_CPU. The unpinned rows pin nothing.
- Priority: every process of the benchmark at nice $NICE.
- Authorizer: \`bench/functions/authorizer.js\`, one token (\`Authorization: $TOKEN\`), a wildcard Allow
  policy. With TTL 300 every measured request is a cache hit (a $WARMUP warm-up fills the cache and starts
  the workers). Each Portcullis scenario is a fresh process serving \`bench/template.yaml\`.

Commands (the script picks free ports):

\`\`\`
nginx -p WORK -c backend.conf                                       # taskset -c $LOAD_CPU
portcullis serve -t bench/template.yaml --port $GW_PORT --admin-addr 127.0.0.1:$ADMIN_PORT \\
    --log-level warn --parameter-overrides BackendUrl=http://127.0.0.1:$BACKEND_PORT   # taskset -c $GW_CPU
nginx -p WORK -c gateway-1.conf                                     # taskset -c $GW_CPU
fastproxy -listen 127.0.0.1:$FAST_PORT -backend 127.0.0.1:$BACKEND_PORT               # taskset -c $GW_CPU
wrk -t1 -c$CONNS -d$WARMUP -s bench/report.lua -H 'Authorization: $TOKEN' URL   # warm-up, taskset -c $LOAD_CPU
wrk -t1 -c$CONNS -d$DURATION -s bench/report.lua -H 'Authorization: $TOKEN' URL   # taskset -c $LOAD_CPU
wrk -t1 -c1 -d$C1_DURATION -s bench/report.lua -H 'Authorization: $TOKEN' URL     # taskset -c $LOAD_CPU
\`\`\`

URLs: \`/x\` on the backend, fastproxy and nginx, \`/bench/{open,cached,uncached,lambda}/x\` on Portcullis.

The nginx gateway:

\`\`\`nginx
$(nginx_gateway_conf 1 | grep -v -e '^ *[a-z_]*_temp_path ' -e '^pid ' -e '^daemon ' -e '^user ' | sed "s#$WORK#WORK#g")
\`\`\`
EOF
	if [[ -f $HERE/profile.md ]]; then
		echo
		echo "Where Portcullis spends its CPU on the cached path, and what to cut next: [profile.md](profile.md)."
	fi
	if [[ -n $SOAK_SECTION ]]; then
		echo
		echo "$SOAK_SECTION"
	fi
} >"$OUT"

echo
table
echo
targets
log "wrote $OUT"
