# Shared by scripts/crash-test.sh and scripts/shutdown-test.sh (sourced, not
# run): start and stop redis-server and consentd on free loopback ports in a
# temporary directory, and clean up everything started, by PID, on exit.
#
# The caller sets nothing; it gets $tmp, and functions:
#   ops_build                       build consentd and crashcheck into $tmp
#   start_redis NAME [PORT [ARG...]] redis-server with deploy/redis/redis.conf (and extra
#                                   arguments); sets redis_pid_NAME, redis_port_NAME
#   start_consentd NAME ENV...      consentd with extra env; sets consentd_pid_NAME, consentd_port_NAME
#   wait_ready URL PID LOG          until /readyz answers 200
#   create_site URL                 prints the new site's id
#   stop_pid PID                    SIGTERM, wait (SIGKILL after 10 s); sets $exit_status
#   reap PID                        wait for a process this shell started; sets $exit_status
#   wait_gone PID SECONDS           until the process has exited

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

for cmd in go curl redis-server redis-cli; do
	command -v "$cmd" >/dev/null 2>&1 || { echo "$cmd is not installed (apt-get install redis-server curl)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/samtykke-ops.XXXXXX")
ops_pids=() # every process started here, in start order
token="ops-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
origin=https://ops.example

ops_cleanup() {
	local rc=$?
	for ((i = ${#ops_pids[@]} - 1; i >= 0; i--)); do
		local p=${ops_pids[i]}
		kill -0 "$p" 2>/dev/null || continue
		kill -TERM "$p" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap ops_cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}

ops_build() {
	go build -o "$tmp/consentd" ./server/cmd/consentd
	go build -o "$tmp/crashcheck" ./scripts/crashcheck
}

# start_redis NAME [PORT [ARG...]]: the production redis.conf (AOF,
# appendfsync everysec, noeviction), on loopback, with its data in
# $tmp/redis-NAME, and any further redis-server arguments (cluster mode, a
# replica). Given the same NAME and PORT again it restarts on the same AOF.
start_redis() {
	local name=$1 port=${2:-}
	shift
	[ $# -gt 0 ] && shift
	[ -n "$port" ] || port=$(free_port)
	mkdir -p "$tmp/redis-$name"
	# A copy: Sentinel makes the replicas it reconfigures run CONFIG
	# REWRITE, which would write this run's ports into the repository's file.
	[ -f "$tmp/redis-$name.conf" ] || cp deploy/redis/redis.conf "$tmp/redis-$name.conf"
	redis-server "$tmp/redis-$name.conf" --port "$port" --bind 127.0.0.1 --dir "$tmp/redis-$name" \
		--daemonize no --logfile "$tmp/redis-$name.log" "$@" &
	local pid=$!
	ops_pids+=("$pid")
	for _ in $(seq 300); do
		# PONG only once the AOF is loaded (LOADING before).
		[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/redis-$name.log" >&2; echo "redis-server did not start" >&2; exit 1; }
		sleep 0.1
	done
	printf -v "redis_pid_$name" '%s' "$pid"
	printf -v "redis_port_$name" '%s' "$port"
}

# start_consentd NAME [VAR=value...]: consentd on a free (or the given
# SAMTYKKE_ADDR) loopback port; its log is $tmp/consentd-NAME.log (appended
# across restarts).
start_consentd() {
	local name=$1
	shift
	local port
	port=$(eval "echo \${consentd_port_$name:-}")
	[ -n "$port" ] || port=$(free_port)
	env SAMTYKKE_ADDR="127.0.0.1:$port" SAMTYKKE_ADMIN_TOKEN="$token" SAMTYKKE_DEMO=false \
		SAMTYKKE_LOG_FORMAT=json SAMTYKKE_PUBLIC_URL="http://127.0.0.1:$port" "$@" \
		"$tmp/consentd" >>"$tmp/consentd-$name.log" 2>&1 &
	local pid=$!
	ops_pids+=("$pid")
	wait_ready "http://127.0.0.1:$port" "$pid" "$tmp/consentd-$name.log"
	printf -v "consentd_pid_$name" '%s' "$pid"
	printf -v "consentd_port_$name" '%s' "$port"
}

wait_ready() {
	local url=$1 pid=$2 log=$3
	for i in $(seq 300); do
		curl -fsS "$url/readyz" >/dev/null 2>&1 && return 0
		if ! kill -0 "$pid" 2>/dev/null || [ "$i" = 300 ]; then
			cat "$log" >&2
			echo "consentd did not become ready" >&2
			exit 1
		fi
		sleep 0.05
	done
}

create_site() {
	local answer id
	answer=$(curl -fsS -X POST "$1/v1/admin/sites" -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
		-d "{\"name\":\"Crash test\",\"origins\":[\"$origin\"],\"default_language\":\"en\",\"privacy_policy_url\":\"$origin/privacy\"}")
	id=$(printf '%s' "$answer" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
	[ -n "$id" ] || { echo "no site id in $answer" >&2; exit 1; }
	echo "$id"
}

# reap PID: waits for a child of this shell and sets $exit_status. (Not in
# $(...): a subshell cannot wait for its parent's children.)
reap() {
	local rc=0 kept=() p
	wait "$1" 2>/dev/null || rc=$?
	# Never signal this PID again: the kernel may give it to another process.
	for p in "${ops_pids[@]}"; do
		[ "$p" = "$1" ] || kept+=("$p")
	done
	ops_pids=("${kept[@]}")
	exit_status=$rc
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s; sets $exit_status.
stop_pid() {
	local p=$1
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	reap "$p"
}

# wait_gone PID SECONDS: until the process has exited (it is then reaped).
wait_gone() {
	local p=$1 limit=$2
	for _ in $(seq $((limit * 20))); do
		kill -0 "$p" 2>/dev/null || return 0
		# A killed child stays a zombie until reaped; kill -0 still succeeds.
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && return 0
		sleep 0.05
	done
	echo "process $p still runs after ${limit}s" >&2
	return 1
}
