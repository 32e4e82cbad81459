#!/usr/bin/env bash
# Crash test: kill -9 in the middle of a load run, restart, and check that
# every receipt that was answered 2xx is still there.
#
# Scenarios (each on a fresh redis-server with deploy/redis/redis.conf: AOF,
# appendfsync everysec, noeviction; and a fresh consentd):
#   consentd  kill -9 consentd 4 s into a 12 s run; restart it on the same port
#   redis     kill -9 redis-server 4 s into the run; restart it on the same
#             port and AOF; consentd answers 503 meanwhile and reconnects
#   bolt      kill -9 consentd on the embedded store (no Redis); restart it
#
# scripts/crashcheck sends fresh receipts on 16 connections and, like the
# snippet's outbox, retries each one that failed with the same receipt id;
# it logs every receipt answered 2xx. Afterwards every logged receipt is
# looked up through GET /v1/sites/{site}/consents/{consent}, and the site's
# decision counter must equal the receipts stored (none counted twice).
#
# Usage: scripts/crash-test.sh [consentd|redis|bolt ...]   (default: all three)
# Prints a summary; exits 1 if any accepted receipt was lost. Only loopback
# addresses are used; everything started is stopped and removed.
source "$(dirname "$0")/crashcheck/lib.sh"

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(consentd redis bolt)
for s in "${scenarios[@]}"; do
	case "$s" in consentd | redis | bolt) ;; *) echo "unknown scenario $s (consentd, redis, bolt)" >&2; exit 2 ;; esac
done

echo "== machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(redis-server --version | cut -d' ' -f1-3)"
echo "== building consentd and crashcheck"
ops_build

summary=()
failed=0
for s in "${scenarios[@]}"; do
	echo
	echo "== scenario: kill -9 $([ "$s" = redis ] && echo redis-server || echo consentd)$([ "$s" = bolt ] && echo ' (embedded store)' || true)"
	env_store=()
	if [ "$s" = bolt ]; then
		env_store=(SAMTYKKE_DATA_DIR="$tmp/data-$s")
	else
		start_redis "$s"
		rport_var="redis_port_$s"
		env_store=(SAMTYKKE_REDIS_URL="redis://127.0.0.1:${!rport_var}/0")
		echo "redis-server 127.0.0.1:${!rport_var} (deploy/redis/redis.conf: $(redis-cli -p "${!rport_var}" config get appendfsync | tail -1) fsync, AOF $(redis-cli -p "${!rport_var}" config get appendonly | tail -1))"
	fi
	# The ingest limit off: one loopback client floods one site on purpose.
	env_store+=(SAMTYKKE_INGEST_RATE=0)
	start_consentd "$s" "${env_store[@]}"
	cport_var="consentd_port_$s"
	base="http://127.0.0.1:${!cport_var}"
	site=$(create_site "$base")
	echo "consentd     $base, site $site"

	if [ "$s" = redis ]; then
		victim_var="redis_pid_$s"
	else
		victim_var="consentd_pid_$s"
	fi
	victim=${!victim_var}
	"$tmp/crashcheck" send -url "$base" -site "$site" -origin "$origin" -log "$tmp/receipts-$s.log" \
		-c 16 -d 12s -drain 20s -signal-pid "$victim" -signal KILL -signal-after 4s >"$tmp/send-$s.out" 2>&1 &
	sender=$!
	ops_pids+=("$sender")

	# (stderr hidden: bash would announce the SIGKILL of its child.)
	if ! { wait_gone "$victim" 20 && reap "$victim"; } 2>/dev/null; then
		echo "pid $victim did not die" >&2
		exit 1
	fi
	killed_at=$(date +%s.%N)
	echo "killed       pid $victim (exit status $exit_status); restarting in 1 s"
	sleep 1
	if [ "$s" = redis ]; then
		start_redis "$s" "${!rport_var}"
		echo "restarted    redis-server (pid ${!victim_var}) on its AOF in $(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s, $(redis-cli -p "${!rport_var}" dbsize) keys loaded"
	else
		start_consentd "$s" "${env_store[@]}"
		echo "restarted    consentd (pid ${!victim_var}) in $(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
	fi

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
	summary+=("$(printf '%-30s %s' "kill -9 $([ "$s" = redis ] && echo redis-server || echo consentd)$([ "$s" = bolt ] && echo ' (bolt)' || true)" "${line#VERIFY }")")

	cpid_var="consentd_pid_$s"
	stop_pid "${!cpid_var}"
	[ "$s" = bolt ] || { stop_pid "${!victim_var}"; }
done

echo
echo "== summary (accepted = answered 2xx; present = found after the restart)"
for l in "${summary[@]}"; do
	echo "$l"
done
if [ "$failed" = 0 ]; then
	echo "RESULT: no accepted receipt lost, none stored twice, counters exact"
else
	echo "RESULT: FAILED (see above)"
fi
exit "$failed"
