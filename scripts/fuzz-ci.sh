#!/usr/bin/env bash
# The CI's bounded fuzzing step: every cargo-fuzz target in fuzz/ for TOTAL_SECONDS together
# (default 240, at most 300), built without a sanitizer (`-s none`: no std rebuild, release
# with line tables) in target/fuzz, so that from a warm target dir the step costs a rebuild of
# what changed plus the fuzzing time (figures in docs/operations.md, "Fuzzing"). Inputs go
# to a temporary corpus; the committed seeds (fuzz/seeds/<target>) are read, never written.
# A crash fails the step with libFuzzer's report; its input is under fuzz/artifacts/<target>/.
# For deeper runs with AddressSanitizer use scripts/fuzz.sh.
#
#   scripts/fuzz-ci.sh [TOTAL_SECONDS]
set -euo pipefail

cd "$(dirname "$0")/.."
total=${1:-240}
if (( total > 300 )); then
    echo "fuzz-ci.sh: capping the total at 300 s" >&2
    total=300
fi
# Every target in fuzz/fuzz_targets (one file each).
mapfile -t targets < <(ls fuzz/fuzz_targets | sed -n 's/\.rs$//p')
if ! command -v cargo-fuzz >/dev/null; then
    echo "fuzz-ci.sh: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 69
fi
export RUSTC_BOOTSTRAP=1
per=$(( total / ${#targets[@]} ))
(( per > 0 )) || per=1
start=$(date +%s)
cargo fuzz build -s none --fuzz-dir fuzz --target-dir target/fuzz
echo "fuzz-ci.sh: built in $(( $(date +%s) - start )) s"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    status=0
    cargo fuzz run -s none --fuzz-dir fuzz --target-dir target/fuzz "$t" \
        "$work/$t" "fuzz/seeds/$t" -- -max_total_time="$per" -max_len=65536 \
        -print_final_stats=1 >"$work/$t.log" 2>&1 || status=$?
    runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$work/$t.log" | grep -oE "[0-9]+$" || true)
    echo "fuzz-ci.sh: $t ${per} s, ${runs:-?} inputs"
    if (( status != 0 )); then
        tail -40 "$work/$t.log" >&2
        echo "fuzz-ci.sh: $t found a failure (the input is under fuzz/artifacts/$t/)" >&2
        exit 1
    fi
done
echo "fuzz-ci.sh: ${#targets[@]} targets, ${per} s each, no failure; $(( $(date +%s) - start )) s in all"
