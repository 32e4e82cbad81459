#!/usr/bin/env bash
# timed.sh NAME COMMAND...: runs COMMAND and appends how long it took to the
# file named by SAMTYKKE_TEST_TIMES (when set), so that `make test` can say
# at the end where its minutes went: the wall-clock time, and the CPU time
# of COMMAND and the processes it waited for (user + system). Jobs run side
# by side, so on two cores CPU time is what adds up.
name=$1
shift
start=$(date +%s%N)
"$@"
status=$?
if [ -n "${SAMTYKKE_TEST_TIMES:-}" ]; then
	ms=$((($(date +%s%N) - start) / 1000000))
	# The second line of `times` is the CPU time of this shell's waited-for
	# children, e.g. "1m2.345s 0m6.789s" (run here, not in a subshell,
	# which would have no children).
	tmp=$(mktemp)
	times >"$tmp"
	cpu=$(sed -n 2p "$tmp" | awk '{
		n = 0
		for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] }
		printf "%.1f", n
	}')
	rm -f "$tmp"
	outcome=ok
	[ "$status" = 0 ] || outcome="FAILED ($status)"
	printf '%-42s %5d.%d s  %6s s CPU  %s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$cpu" "$outcome" >>"$SAMTYKKE_TEST_TIMES"
fi
exit "$status"
