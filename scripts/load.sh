#!/usr/bin/env bash
# Repeatable end-to-end load test on this machine: starts redis-server (AOF on,
# fsync every second, no RDB snapshots) and consentd on free loopback ports in
# a temporary directory, creates a site through the admin API, runs
# scripts/loadgen against it, prints a summary, and stops and removes
# everything it started.
#
# Usage: scripts/load.sh [--store=redis|bolt] [--sites=N] [--profile] [--consentd=BIN]
#                       [--redis-options=QUERY] [loadgen flags...]
#   --store=bolt   run consentd on the embedded store instead of Redis
#   --sites=N      create N sites and spread the receipts over them (default 1)
#   --profile      record a system-wide CPU profile with perf during the run and
#                  print where the time went (needs perf and permission to use it)
#   --consentd=BIN run this consentd binary instead of building one from the
#                  checkout (to compare two builds, run A, B, A, B)
#   --redis-options=QUERY
#                  append QUERY to consentd's SAMTYKKE_REDIS_URL, e.g.
#                  autopipeline=false (see server/store/redisstore)
#   anything else is passed to loadgen, e.g. -c 64 -d 15s -warmup 2s (see loadgen -h)
#
# The exit status is loadgen's: 0 only when every request succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."

store=redis
nsites=1
profile=false
consentd_bin=""
redis_options=""
loadgen_args=()
for arg in "$@"; do
	case "$arg" in
	--store=redis | --store=bolt) store=${arg#--store=} ;;
	--store=*) echo "load.sh: --store must be redis or bolt" >&2; exit 2 ;;
	--sites=*) nsites=${arg#--sites=} ;;
	--profile) profile=true ;;
	--consentd=*) consentd_bin=${arg#--consentd=} ;;
	--redis-options=*) redis_options=${arg#--redis-options=} ;;
	--) ;;
	*) loadgen_args+=("$arg") ;;
	esac
done
if [ -n "$consentd_bin" ] && ! [ -x "$consentd_bin" ]; then
	echo "load.sh: --consentd=$consentd_bin is not an executable file" >&2
	exit 2
fi
if ! [[ "$nsites" =~ ^[0-9]+$ ]] || [ "$nsites" -lt 1 ] || [ "$nsites" -gt 100 ]; then
	echo "load.sh: --sites must be between 1 and 100" >&2
	exit 2
fi
need=(go curl)
[ "$store" = redis ] && need+=(redis-server redis-cli)
[ "$profile" = true ] && need+=(perf)
for cmd in "${need[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || { echo "load.sh: $cmd is not installed${cmd/redis*/ (apt-get install redis-server)}" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/samtykke-load.XXXXXX")
pids=() # started by this script, in start order
cleanup() {
	local rc=$?
	# Stop in reverse order (perf, consentd, redis), each by its own PID.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "${pids[i]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
		if [ "${pids[i]}" = "${loadgen_pid:-}" ]; then
			echo "load.sh: stopped early; loadgen measured:" >&2
			cat "$tmp/loadgen.out" >&2
		fi
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a loopback TCP port nobody listens on (a start that still
# loses a race for it fails clearly below).
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "load.sh: no free port found" >&2
	return 1
}

# cpu_seconds PID prints the user+system CPU time the process has used.
cpu_seconds() {
	awk -v tck="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / tck }' "/proc/$1/stat" 2>/dev/null || echo 0
}

echo "== machine"
echo "cores        $(nproc)"
echo "cpu          $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
echo "go           $(go version)"
[ "$store" = redis ] && echo "redis        $(redis-server --version)"
echo "load before  $(uptime)"

echo "== building"
if [ -n "$consentd_bin" ]; then
	cp "$consentd_bin" "$tmp/consentd"
	echo "consentd     prebuilt, $(sha256sum "$consentd_bin" | cut -c1-12)"
else
	go build -o "$tmp/consentd" ./server/cmd/consentd
fi
go build -o "$tmp/loadgen" ./scripts/loadgen

redis_cli=()
if [ "$store" = redis ]; then
	mkdir "$tmp/redis"
	rport=$(free_port)
	redis-server --bind 127.0.0.1 --port "$rport" --dir "$tmp/redis" --daemonize no \
		--appendonly yes --appendfsync everysec --save "" \
		--logfile "$tmp/redis.log" &
	redis_pid=$!
	pids+=("$redis_pid")
	redis_cli=(redis-cli -h 127.0.0.1 -p "$rport")
	for _ in $(seq 100); do
		[ "$("${redis_cli[@]}" ping 2>/dev/null)" = PONG ] && break
		kill -0 "$redis_pid" 2>/dev/null || { cat "$tmp/redis.log" >&2; echo "load.sh: redis-server did not start" >&2; exit 1; }
		sleep 0.1
	done
	echo "redis        127.0.0.1:$rport (pid $redis_pid, appendonly yes, appendfsync everysec, no RDB)"
fi

port=$(free_port)
base="http://127.0.0.1:$port"
token="load-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
env_store=(SAMTYKKE_DATA_DIR="$tmp/data")
[ "$store" = redis ] && env_store=(SAMTYKKE_REDIS_URL="redis://127.0.0.1:$rport/0${redis_options:+?$redis_options}")
# SAMTYKKE_INGEST_RATE=0: the load comes from one address to few sites, and
# this measures the server itself, not its ingestion limit.
env "${env_store[@]}" SAMTYKKE_ADDR="127.0.0.1:$port" SAMTYKKE_ADMIN_TOKEN="$token" \
	SAMTYKKE_DEMO=false SAMTYKKE_LOG_FORMAT=json SAMTYKKE_PUBLIC_URL="$base" SAMTYKKE_INGEST_RATE=0 \
	"$tmp/consentd" >"$tmp/consentd.log" 2>&1 &
consentd_pid=$!
pids+=("$consentd_pid")
for i in $(seq 150); do
	curl -fsS "$base/readyz" >/dev/null 2>&1 && break
	if ! kill -0 "$consentd_pid" 2>/dev/null || [ "$i" = 150 ]; then
		cat "$tmp/consentd.log" >&2
		echo "load.sh: consentd did not become ready" >&2
		exit 1
	fi
	sleep 0.1
done
echo "consentd     $base (pid $consentd_pid, store $store${redis_options:+, redis options $redis_options})"

origin=https://load.example
ids=()
for n in $(seq "$nsites"); do
	answer=$(curl -fsS -X POST "$base/v1/admin/sites" \
		-H "Authorization: Bearer $token" -H "Content-Type: application/json" \
		-d "{\"name\":\"Load test $n\",\"origins\":[\"$origin\"],\"default_language\":\"en\",\"privacy_policy_url\":\"$origin/privacy\"}")
	id=$(printf '%s' "$answer" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
	[ -n "$id" ] || { echo "load.sh: no site id in $answer" >&2; exit 1; }
	ids+=("$id")
done
sites=$(IFS=,; echo "${ids[*]}")
echo "sites        $sites"

mem_before=0
if [ "$store" = redis ]; then
	"${redis_cli[@]}" config resetstat >/dev/null
	mem_before=$("${redis_cli[@]}" info memory | tr -d '\r' | sed -n 's/^used_memory://p')
	redis_cpu0=$(cpu_seconds "$redis_pid")
fi
consentd_cpu0=$(cpu_seconds "$consentd_pid")

if [ "$profile" = true ]; then
	perf record -a -g -F 499 -o "$tmp/perf.data" >"$tmp/perf.log" 2>&1 &
	pids+=("$!")
	perf_pid=$!
fi

echo "== loadgen -url $base -sites $sites -origin $origin ${loadgen_args[*]}"
# In the background so that a signal to this script is handled at once (the
# trap stops loadgen, which still reports what it measured).
"$tmp/loadgen" -url "$base" -sites "$sites" -origin "$origin" "${loadgen_args[@]}" >"$tmp/loadgen.out" 2>&1 &
loadgen_pid=$!
pids+=("$loadgen_pid")
set +e
wait "$loadgen_pid"
loadgen_rc=$?
set -e
unset 'pids[-1]' # reaped: never signal that PID again
cat "$tmp/loadgen.out"

if [ "$profile" = true ]; then
	kill -INT "$perf_pid" 2>/dev/null || true
	wait "$perf_pid" 2>/dev/null || true
	unset 'pids[-1]' # reaped: never signal that PID again
fi

echo "== summary"
echo "load after   $(uptime)"
stored=$(curl -fsS "$base/metrics" | sed -n 's/^samtykke_receipts_total{outcome="stored"} //p')
stored=${stored:-0}
stored=$(printf '%.0f' "$stored")
echo "stored       $stored receipts (consentd's samtykke_receipts_total, warm-up included)"
per() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { if (b > 0) printf "%.1f %s", a * s / b, "" ; else printf "n/a " }'; }
consentd_cpu=$(awk -v a="$(cpu_seconds "$consentd_pid")" -v b="$consentd_cpu0" 'BEGIN { printf "%.2f", a - b }')
echo "consentd CPU ${consentd_cpu} s, $(per "$consentd_cpu" "$stored" 1000000)µs per receipt"
if [ "$store" = redis ]; then
	redis_cpu=$(awk -v a="$(cpu_seconds "$redis_pid")" -v b="$redis_cpu0" 'BEGIN { printf "%.2f", a - b }')
	echo "redis CPU    ${redis_cpu} s, $(per "$redis_cpu" "$stored" 1000000)µs per receipt"
	"${redis_cli[@]}" info commandstats | tr -d '\r' |
		{ grep -E '^cmdstat_(evalsha|eval|hincrby|hset|xadd):' || true; } | sed 's/^cmdstat_/redis cmd    /'
	evalsha_us=$("${redis_cli[@]}" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p')
	evalsha_calls=$("${redis_cli[@]}" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p')
	echo "evalsha      ${evalsha_us:-n/a} µs per call (the receipt script inside Redis), $(per "$stored" "${evalsha_calls:-0}" 1)receipts per call"
	reads=$("${redis_cli[@]}" info stats | tr -d '\r' | sed -n 's/^total_reads_processed://p')
	echo "redis reads  ${reads:-0} socket reads, $(per "$stored" "${reads:-0}" 1)receipts per read (more: clients pipeline)"
	mem_after=$("${redis_cli[@]}" info memory | tr -d '\r' | sed -n 's/^used_memory://p')
	echo "used_memory  $mem_before -> $mem_after bytes, $(per $((mem_after - mem_before)) "$stored" 1)bytes per receipt"
	aof=$(du -sb "$tmp/redis" | cut -f1)
	echo "AOF on disk  $aof bytes, $(per "$aof" "$stored" 1)bytes per receipt"
	echo "keys         $("${redis_cli[@]}" dbsize)"
else
	data=$(du -sb "$tmp/data" | cut -f1)
	echo "bolt file    $data bytes, $(per "$data" "$stored" 1)bytes per receipt"
fi
warn=$(grep -c '"level":"\(WARN\|ERROR\)"' "$tmp/consentd.log" || true)
echo "server log   $warn warning/error lines"
[ "$warn" -gt 0 ] && grep -m3 '"level":"\(WARN\|ERROR\)"' "$tmp/consentd.log"

if [ "$profile" = true ]; then
	echo "== CPU by process (perf, all cores, during the run)"
	perf report -i "$tmp/perf.data" --stdio --no-children --sort comm -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15
	echo "== consentd: kernel vs its own code"
	perf report -i "$tmp/perf.data" --stdio --no-children --comm consentd --percentage relative --sort dso -g none 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -4
	echo "== consentd: hottest functions (self time, % of consentd)"
	perf report -i "$tmp/perf.data" --stdio --no-children --comm consentd --percentage relative --sort dso,symbol -g none --percent-limit 1 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -30
	echo "== consentd: where its time goes (with callees, % of consentd)"
	perf report -i "$tmp/perf.data" --stdio --children --comm consentd --percentage relative --sort symbol -g none --percent-limit 5 2>/dev/null |
		grep -v '^#' | grep -v '^$' | grep -v '\[k\]' | head -40
	if [ "$store" = redis ]; then
		echo "== redis-server: kernel vs its own code"
		perf report -i "$tmp/perf.data" --stdio --no-children --pid "$redis_pid" --percentage relative --sort dso -g none 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -4
		echo "== redis-server: hottest functions (self time, % of redis-server)"
		perf report -i "$tmp/perf.data" --stdio --no-children --pid "$redis_pid" --percentage relative --sort dso,symbol -g none --percent-limit 1 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -30
	fi
fi
exit "$loadgen_rc"
