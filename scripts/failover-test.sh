#!/usr/bin/env bash
# Failover test: kill -9 the Redis primary that holds a site's receipts in
# the middle of a load run, let Redis promote a replica, and check that
# consentd follows it: every receipt answered 2xx is present afterwards,
# none stored twice, the counters exact, and the time from the kill to the
# first receipt accepted again is printed.
#
# Scenarios (every data node runs deploy/redis/redis.conf with the
# recommended HA settings: AOF everysec, min-replicas-to-write 1,
# min-replicas-max-lag 10; consentd's URL has min_replicas=1, so a receipt
# is acknowledged only once a replica has it):
#   cluster   Redis Cluster, 3 masters with 2 replicas each,
#             cluster-node-timeout 2000, cluster-require-full-coverage no;
#             the master of the site's slot is killed
#   sentinel  a primary with 2 replicas under 3 sentinels (quorum 2,
#             down-after-milliseconds 1000); the primary is killed
#
# scripts/crashcheck sends fresh receipts on 16 connections for 20 s and,
# like the snippet's outbox, retries each one that failed with the same
# receipt id; the kill comes 5 s in. Afterwards every acknowledged receipt
# is looked up through consentd, and the site's decision counter must
# equal the receipts stored.
#
# Usage: scripts/failover-test.sh [cluster|sentinel ...]   (default: both)
#        MIN_REPLICAS=0 scripts/failover-test.sh ...  acknowledge on the primary
#        alone (no min_replicas, no min-replicas-to-write), to compare
# Exits 1 if any accepted receipt was lost or the counters are off. Only
# loopback addresses are used; everything started is stopped and removed.
source "$(dirname "$0")/crashcheck/lib.sh"

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(cluster sentinel)
for s in "${scenarios[@]}"; do
	case "$s" in cluster | sentinel) ;; *) echo "unknown scenario $s (cluster, sentinel)" >&2; exit 2 ;; esac
done

# The HA settings of deploy/redis/redis.conf's HIGH AVAILABILITY section.
min_replicas=${MIN_REPLICAS:-1}
ha=(--min-replicas-to-write "$min_replicas" --min-replicas-max-lag 10 --repl-diskless-sync-delay 0)
url_query="?min_replicas=$min_replicas"
[ "$min_replicas" != 0 ] || url_query=""

# low_port: a free loopback port below the kernel's ephemeral range
# (32768-60999), so that no outgoing connection of another process holds
# it by the time Redis binds it, and not one this script picked before.
picked=" "
low_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 12000))
		[[ "$picked" == *" $p "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			picked+="$p "
			echo "$p"
			return 0
		fi
	done
	echo "no free port found" >&2
	return 1
}

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	local limit=$1
	shift
	for _ in $(seq $((limit * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out after ${limit}s: $*" >&2
	return 1
}

cluster_ok() {
	local p
	for p in "$@"; do
		redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || return 1
		redis-cli -p "$p" cluster info | grep -q "cluster_known_nodes:$#" || return 1
		redis-cli -p "$p" info replication | grep -Eq 'role:master|master_link_status:up' || return 1
	done
}

# holder KEY PORT...: prints the port of the master that serves KEY (the
# others answer MOVED).
holder() {
	local key=$1 p
	shift
	for p in "$@"; do
		if [ "$(redis-cli -p "$p" exists "$key" 2>/dev/null)" = 1 ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

start_cluster() {
	ports=()
	local i
	for i in $(seq 0 8); do
		local port bus
		port=$(low_port)
		bus=$(low_port)
		start_redis "c$i" "$port" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port "$bus" \
			--cluster-node-timeout 2000 --cluster-require-full-coverage no "${ha[@]}"
		local v="redis_port_c$i"
		ports+=("${!v}")
	done
	local addrs=()
	for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
	redis-cli --cluster create "${addrs[@]}" --cluster-replicas 2 --cluster-yes >"$tmp/cluster-create.out" 2>&1 ||
		{ cat "$tmp/cluster-create.out" >&2; exit 1; }
	wait_for 30 cluster_ok "${ports[@]}"
	redis_url="redis+cluster://$(IFS=,; echo "${addrs[*]}")$url_query"
}

start_sentinels() {
	start_redis s0 "$(low_port)" "${ha[@]}"
	ports=("$redis_port_s0")
	local i
	for i in 1 2; do
		start_redis "s$i" "$(low_port)" --replicaof 127.0.0.1 "$redis_port_s0" "${ha[@]}"
		local v="redis_port_s$i"
		ports+=("${!v}")
	done
	sentinel_ports=()
	for i in 0 1 2; do
		local port
		port=$(low_port)
		mkdir -p "$tmp/sentinel$i"
		printf 'sentinel monitor samtykke 127.0.0.1 %s 2\nsentinel down-after-milliseconds samtykke 1000\nsentinel failover-timeout samtykke 10000\n' \
			"$redis_port_s0" >"$tmp/sentinel$i/sentinel.conf"
		redis-server "$tmp/sentinel$i/sentinel.conf" --sentinel --port "$port" --bind 127.0.0.1 --dir "$tmp/sentinel$i" \
			--daemonize no --logfile "$tmp/sentinel$i.log" &
		ops_pids+=("$!")
		sentinel_ports+=("$port")
	done
	# Every sentinel knows both replicas and the other two sentinels.
	sentinels_ready() {
		local p m
		for p in "${sentinel_ports[@]}"; do
			m=$(redis-cli -p "$p" sentinel master samtykke 2>/dev/null | tr '\n' ' ')
			[[ "$m" == *"num-slaves 2 "* && "$m" == *"num-other-sentinels 2 "* ]] || return 1
		done
	}
	wait_for 30 sentinels_ready
	redis_url="redis+sentinel://$(printf '127.0.0.1:%s,' "${sentinel_ports[@]}" | sed 's/,$//')/samtykke$url_query"
}

echo "== machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(redis-server --version | cut -d' ' -f1-3)"
echo "== building consentd and crashcheck"
ops_build

summary=()
failed=0
for s in "${scenarios[@]}"; do
	echo
	if [ "$s" = cluster ]; then
		echo "== scenario: kill -9 of a Redis Cluster master (3 masters x 2 replicas, cluster-node-timeout 2000)"
		start_cluster
	else
		echo "== scenario: kill -9 of the Sentinel-managed primary (2 replicas, 3 sentinels, down-after 1000 ms)"
		start_sentinels
	fi
	echo "redis        $redis_url"
	start_consentd "$s" SAMTYKKE_REDIS_URL="$redis_url" SAMTYKKE_INGEST_RATE=0
	cport_var="consentd_port_$s"
	base="http://127.0.0.1:${!cport_var}"
	site=$(create_site "$base")
	echo "consentd     $base, site $site"

	key="samtykke:{$site}:site"
	if [ "$s" = cluster ]; then
		victim_port=$(holder "$key" "${ports[@]}")
	else
		victim_port=$redis_port_s0
	fi
	victim=""
	for n in $(seq 0 8); do
		for prefix in c s; do
			pv="redis_port_$prefix$n"
			if [ "${!pv:-}" = "$victim_port" ]; then
				pidv="redis_pid_$prefix$n"
				victim=${!pidv}
			fi
		done
	done
	[ -n "$victim" ] || { echo "no process serves $key" >&2; exit 1; }
	echo "primary      127.0.0.1:$victim_port (pid $victim) holds the site's keys"

	"$tmp/crashcheck" send -url "$base" -site "$site" -origin "$origin" -log "$tmp/receipts-$s.log" \
		-c 16 -d 20s -drain 30s -signal-pid "$victim" -signal KILL -signal-after 5s >"$tmp/send-$s.out" 2>&1 &
	sender=$!
	ops_pids+=("$sender")

	if ! { wait_gone "$victim" 30 && reap "$victim"; } 2>/dev/null; then
		echo "pid $victim did not die" >&2
		exit 1
	fi
	killed_at=$(date +%s.%N)
	echo "killed       pid $victim"
	others=()
	for p in "${ports[@]}"; do [ "$p" = "$victim_port" ] || others+=("$p"); done
	promoted() {
		if [ "$s" = cluster ]; then
			new_port=$(holder "$key" "${others[@]}")
		else
			new_port=$(redis-cli -p "${sentinel_ports[0]}" sentinel get-master-addr-by-name samtykke 2>/dev/null | sed -n 2p)
			[ -n "$new_port" ] && [ "$new_port" != "$victim_port" ]
		fi
	}
	wait_for 30 promoted
	echo "promoted     127.0.0.1:$new_port $(elapsed "$killed_at") s after the kill"

	reap "$sender"
	sed 's/^/  /' "$tmp/send-$s.out"
	[ "$exit_status" = 0 ] || { echo "crashcheck send failed" >&2; exit 1; }

	set +e
	"$tmp/crashcheck" verify -url "$base" -site "$site" -token "$token" -log "$tmp/receipts-$s.log" >"$tmp/verify-$s.out" 2>&1
	vrc=$?
	set -e
	sed 's/^/  /' "$tmp/verify-$s.out"
	[ "$vrc" = 0 ] || failed=1
	line=$(grep '^VERIFY' "$tmp/verify-$s.out" || echo "VERIFY error")
	rec=$(grep '^RECOVERY' "$tmp/send-$s.out" || echo "RECOVERY seconds=?")
	summary+=("$(printf '%-9s %s kill_to_first_2xx=%s' "$s" "${line#VERIFY }" "${rec#RECOVERY seconds=}")")

	cpid_var="consentd_pid_$s"
	stop_pid "${!cpid_var}"
	# The rest of the set-up stops with the script (ops_cleanup), by PID.
done

echo
echo "== summary (accepted = answered 2xx; present = found afterwards; kill_to_first_2xx in seconds)"
for l in "${summary[@]}"; do
	echo "$l"
done
if [ "$failed" = 0 ]; then
	echo "RESULT: no accepted receipt lost, none stored twice, counters exact"
else
	echo "RESULT: FAILED (see above)"
fi
exit "$failed"
