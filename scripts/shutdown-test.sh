#!/usr/bin/env bash
# Graceful shutdown under load: SIGTERM to consentd 4 s into a 12 s load run.
# Besides the 16 connections of receipts, 4 slow requests are started 0.5 s
# before the signal and send the second half of their body 2 s after it, so
# they are surely in flight for the whole shutdown.
#
# consentd must stop accepting, let the requests in flight finish (2xx),
# close Redis and exit 0; new connections are refused meanwhile (the snippet,
# and here scripts/crashcheck, retry them). consentd is then started again,
# as a supervisor or a rolling update would, the load run ends, and every
# receipt that was answered 2xx is looked up: none may be lost.
#
# Usage: scripts/shutdown-test.sh
# Redis: a fresh redis-server with deploy/redis/redis.conf on loopback.
# Prints a summary; exits 1 on any failure. Everything started is stopped.
source "$(dirname "$0")/crashcheck/lib.sh"

echo "== machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(redis-server --version | cut -d' ' -f1-3)"
echo "== building consentd and crashcheck"
ops_build
start_redis main
redis_url="redis://127.0.0.1:$redis_port_main/0"
# The ingest limit off (SAMTYKKE_INGEST_RATE=0): one loopback client floods
# one site on purpose.
start_consentd main SAMTYKKE_REDIS_URL="$redis_url" SAMTYKKE_SHUTDOWN_TIMEOUT=20s SAMTYKKE_INGEST_RATE=0
base="http://127.0.0.1:$consentd_port_main"
site=$(create_site "$base")
echo "redis-server 127.0.0.1:$redis_port_main; consentd $base (pid $consentd_pid_main, SAMTYKKE_SHUTDOWN_TIMEOUT 20s); site $site"

victim=$consentd_pid_main
"$tmp/crashcheck" send -url "$base" -site "$site" -origin "$origin" -log "$tmp/receipts.log" \
	-c 16 -d 12s -drain 20s -signal-pid "$victim" -signal TERM -signal-after 4s -slow 4 >"$tmp/send.out" 2>&1 &
sender=$!
ops_pids+=("$sender")

# Time from SIGTERM to exit, seen from here: the process is polled.
sleep 3.9
t0=$(date +%s.%N)
wait_gone "$victim" 30
t1=$(date +%s.%N)
reap "$victim"
status=$exit_status
echo "consentd     exited with status $status, $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s after the signal (±0.1 s)"
# What consentd itself logged while stopping.
grep -E '"msg":"(shutting down|stopped)' "$tmp/consentd-main.log" | sed 's/^/  log        /' || true

sleep 1
start_consentd main SAMTYKKE_REDIS_URL="$redis_url" SAMTYKKE_INGEST_RATE=0
echo "restarted    consentd (pid $consentd_pid_main) on the same port"

reap "$sender"
sed 's/^/  /' "$tmp/send.out"
[ "$exit_status" = 0 ] || { echo "crashcheck send failed" >&2; exit 1; }

set +e
"$tmp/crashcheck" verify -url "$base" -site "$site" -token "$token" -log "$tmp/receipts.log" >"$tmp/verify.out" 2>&1
vrc=$?
set -e
sed 's/^/  /' "$tmp/verify.out"
stop_pid "$consentd_pid_main"
stop_pid "$redis_pid_main"

inflight=$(sed -n 's/^SIGNAL inflight=\([0-9]*\) .*/\1/p' "$tmp/send.out")
inflight_ok=$(sed -n 's/^SIGNAL .*inflight_2xx=\([0-9]*\).*/\1/p' "$tmp/send.out")
slow=$(sed -n 's/^SIGNAL .* slow=\([0-9]*\).*/\1/p' "$tmp/send.out")
slow_ok=$(sed -n 's/^SIGNAL .*slow_2xx=\([0-9]*\).*/\1/p' "$tmp/send.out")
after=$(sed -n 's/^after *the signal: //p' "$tmp/send.out")
echo
echo "== summary"
echo "exit status          $status (want 0)"
echo "in flight at SIGTERM ${inflight:-?}, completed with 2xx ${inflight_ok:-?}"
echo "slow, body ending 2 s after SIGTERM ${slow:-?}, completed with 2xx ${slow_ok:-?}"
echo "after SIGTERM        $after"
echo "receipts             $(sed -n 's/^VERIFY //p' "$tmp/verify.out")"
failed=0
[ "$status" = 0 ] || failed=1
[ -n "$inflight" ] && [ "$inflight" = "$inflight_ok" ] || failed=1
[ -n "$slow" ] && [ "$slow" = "$slow_ok" ] || failed=1
[ "$vrc" = 0 ] || failed=1
# After SIGTERM the only failures allowed are refused or closed connections
# (nothing was accepted on them); any 5xx means a request was cut off.
if printf '%s' "$after" | grep -Eq '(^|, )5[0-9][0-9] '; then
	failed=1
fi
if [ "$failed" = 0 ]; then
	echo "RESULT: clean shutdown: every request in flight completed, no accepted receipt lost"
else
	echo "RESULT: FAILED (see above)"
fi
exit "$failed"
