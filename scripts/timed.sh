#!/usr/bin/env bash
# timed.sh NAME COMMAND...: runs COMMAND and appends how long it took to the
# file named by SAMTYKKE_TEST_TIMES (when set), so that `make test` can say
# at the end where its minutes went.
name=$1
shift
start=$(date +%s%N)
"$@"
status=$?
if [ -n "${SAMTYKKE_TEST_TIMES:-}" ]; then
	ms=$((($(date +%s%N) - start) / 1000000))
	outcome=ok
	[ "$status" = 0 ] || outcome="FAILED ($status)"
	printf '%-38s %5d.%d s  %s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$outcome" >>"$SAMTYKKE_TEST_TIMES"
fi
exit "$status"
