#!/usr/bin/env bash
# Checks every history of porcupine's test data with `lincheck` (release build) and compares
# each verdict with the known one. The data stays outside the repo.
#
#   linearizability/conformance.sh [DATA_DIR]      (or PORCUPINE_DATA=DATA_DIR)
#
# DATA_DIR defaults to <repo>/../shared/data/porcupine. Known verdicts: kv/*-ok.txt are
# linearizable and kv/*-bad.txt are not (checked by key, and c01/c10 also without
# partitioning, as porcupine's tests do); of the Jepsen etcd logs, the 23 listed below are
# linearizable, etcd_095 is empty (no known verdict; it must merely not fail), and all the
# others are not. Prints one line per check and a summary; exits 1 on any wrong verdict.
set -euo pipefail

crate_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$crate_dir/.." && pwd)
data=${1:-${PORCUPINE_DATA:-$repo/../shared/data/porcupine}}
if [[ ! -d $data/kv || ! -d $data/jepsen ]]; then
    echo "conformance: no porcupine data at $data (expected kv/ and jepsen/)" >&2
    exit 2
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
(cd "$repo" && cargo build --release --quiet -p linearizability --bin lincheck)
lincheck=$CARGO_TARGET_DIR/release/lincheck

# Per-file timeout: far above any expected time, so only a real hang shows up (as "unknown").
timeout_secs=${CONFORMANCE_TIMEOUT:-60}
linearizable_etcd=" 002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102 "

passed=0 failed=0 skipped=0 total_ms=0
failures=()
timings=()

# check NAME EXPECTED FILE [LINCHECK ARGS...]
check() {
    local name=$1 expected=$2 file=$3
    shift 3
    local output status=0
    output=$("$lincheck" "$file" --timeout "$timeout_secs" "$@" 2>&1) || status=$?
    local verdict
    case $status in
        0) verdict=linearizable ;;
        1) verdict=illegal ;;
        2) verdict=unknown ;;
        *) verdict="error($status)" ;;
    esac
    local ms
    ms=$(sed -n 's/.* in \([0-9.]*\) ms .*/\1/p' <<<"$output" | head -n1)
    ms=${ms:-0}
    total_ms=$(awk -v a="$total_ms" -v b="$ms" 'BEGIN { printf "%.3f", a + b }')
    timings+=("$ms $name")
    local result
    if [[ $expected == none ]]; then
        if [[ $status -le 2 ]]; then result=skip; skipped=$((skipped + 1)); else result=FAIL; fi
    elif [[ $verdict == "$expected" ]]; then
        result=ok; passed=$((passed + 1))
    else
        result=FAIL
    fi
    if [[ $result == FAIL ]]; then
        failed=$((failed + 1))
        failures+=("$name: expected $expected, got $verdict: $output")
    fi
    printf '%-28s %-13s %-13s %10s ms  %s\n' "$name" "${expected/none/n/a}" "$verdict" "$ms" "$result"
}

printf '%-28s %-13s %-13s %13s  %s\n' FILE EXPECTED GOT CHECK-TIME RESULT
for file in "$data"/kv/*.txt; do
    base=$(basename "$file" .txt)
    expected=illegal
    [[ $base == *-ok ]] && expected=linearizable
    check "kv/$base" "$expected" "$file" --model kv --format porcupine-kv
done
for file in "$data"/kv/c01-*.txt "$data"/kv/c10-*.txt; do
    base=$(basename "$file" .txt)
    expected=illegal
    [[ $base == *-ok ]] && expected=linearizable
    check "kv/$base (no partition)" "$expected" "$file" --model kv --format porcupine-kv --no-partition
done
for file in "$data"/jepsen/etcd_*.log; do
    base=$(basename "$file" .log)
    number=${base#etcd_}
    if [[ ! -s $file ]]; then
        expected=none
    elif [[ $linearizable_etcd == *" $number "* ]]; then
        expected=linearizable
    else
        expected=illegal
    fi
    check "jepsen/$base" "$expected" "$file" --model register --format jepsen
done

echo
echo "slowest:"
printf '%s\n' "${timings[@]}" | sort -rn | head -n 5 | awk '{ printf "  %-28s %10s ms\n", $2 " " $3 " " $4, $1 }'
etcd_ms=$(printf '%s\n' "${timings[@]}" | awk '$2 ~ /^jepsen/ { s += $1 } END { printf "%.3f", s }')
echo "total check time: $total_ms ms (all Jepsen etcd logs: $etcd_ms ms)"
for failure in "${failures[@]+"${failures[@]}"}"; do
    echo "FAILED $failure"
done
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
