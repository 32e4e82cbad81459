#!/usr/bin/env bash
# Runs every Go fuzz target of the repository briefly, one after the other:
# go test -run '^$' -fuzz '^FuzzX$' -fuzztime $FUZZTIME ./its/package
#
# Targets are found by looking for `func FuzzX(f *testing.F)` in the Go test
# files of the repository, so a new target is run without changing this
# script. The first
# failure stops the run and names the target; go test has then written the
# failing input to <package>/testdata/fuzz/FuzzX/, where it becomes a seed
# that plain `go test` replays until the bug is fixed.
#
#   scripts/fuzz.sh                 # 30,000 inputs per target (a few seconds)
#   FUZZTIME=1m scripts/fuzz.sh     # longer; any -fuzztime value (30s, 500000x)
#
# The default is a count, not a duration: with a duration, Go before 1.27
# can fail a target with a bare "context deadline exceeded" and no failing
# input when the time runs out mid-run on a busy machine (go.dev/issue/75804).
#   scripts/fuzz.sh FuzzParseReceipt FuzzTruncateIP   # only these targets
set -euo pipefail

cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-30000x}"

# "dir name" per target, in a stable order.
mapfile -t targets < <(
	grep -rEo --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.git --exclude-dir=testdata \
		'^func Fuzz[A-Za-z0-9_]*\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\)' . |
		sed -E 's#^\./(([^:]*)/)?[^/:]+_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\2 \3#' | sort -u
)
if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi

if [ "$#" -gt 0 ]; then
	wanted=" $* "
	selected=()
	for t in "${targets[@]}"; do
		[[ "$wanted" == *" ${t#* } "* ]] && selected+=("$t")
	done
	if [ "${#selected[@]}" -ne "$#" ]; then
		echo "fuzz.sh: unknown target among: $*" >&2
		exit 2
	fi
	targets=("${selected[@]}")
fi

start=$SECONDS
echo "fuzz.sh: ${#targets[@]} targets, $fuzztime each"
for t in "${targets[@]}"; do
	dir="${t% *}"
	name="${t#* }"
	t0=$SECONDS
	if ! out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$dir" 2>&1); then
		echo "$out" >&2
		if [[ "$out" == *"Failing input written to"* ]]; then
			echo "fuzz.sh: FAIL $name in ./$dir; the failing input is now a seed in $dir/testdata/fuzz/$name/" >&2
		else
			echo "fuzz.sh: FAIL $name in ./$dir" >&2
		fi
		exit 1
	fi
	echo "ok    $name ./$dir ($((SECONDS - t0)) s)"
done
echo "fuzz.sh: all ${#targets[@]} targets passed in $((SECONDS - start)) s"
