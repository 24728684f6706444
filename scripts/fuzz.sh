#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded total time (default 240 s, at most 300),
# split evenly. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain
# RUSTC_BOOTSTRAP=1 lets it pass the sanitizer flags. New inputs go to a temporary corpus;
# the committed seeds (fuzz/seeds/<target>) are read, never written. A crash stops the run
# with libFuzzer's report and the input under fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [TOTAL_SECONDS] [TARGET...]
set -euo pipefail

cd "$(dirname "$0")/.."
total=${1:-240}
shift || true
if (( total > 300 )); then
    echo "fuzz.sh: capping the total at 300 s" >&2
    total=300
fi
targets=("$@")
if (( ${#targets[@]} == 0 )); then
    # Every target in fuzz/fuzz_targets (one file each).
    mapfile -t targets < <(ls fuzz/fuzz_targets | sed -n 's/\.rs$//p')
fi
if ! command -v cargo-fuzz >/dev/null; then
    echo "fuzz.sh: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
    exit 69
fi
export RUSTC_BOOTSTRAP=1
per=$(( total / ${#targets[@]} ))
(( per > 0 )) || per=1
# Build first, so the fuzzing time is fuzzing (in the workspace's target dir, a subdir).
for t in "${targets[@]}"; do
    cargo fuzz build --fuzz-dir fuzz --target-dir target/fuzz -O --debug-assertions "$t"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    echo "fuzz.sh: $t for ${per} s"
    status=0
    cargo fuzz run --fuzz-dir fuzz --target-dir target/fuzz -O --debug-assertions "$t" \
        "$work/$t" "fuzz/seeds/$t" -- -max_total_time="$per" -max_len=65536 \
        -print_final_stats=1 >"$work/$t.log" 2>&1 || status=$?
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/$t.log" || true
    if (( status != 0 )); then
        tail -40 "$work/$t.log" >&2
        echo "fuzz.sh: $t found a failure (the input is under fuzz/artifacts/$t/)" >&2
        exit 1
    fi
done
echo "fuzz.sh: ${#targets[@]} targets ran ${per} s each without a failure"
