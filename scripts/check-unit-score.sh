#!/usr/bin/env bash
# Fails when systemd rates the hardening of systemd/spectrusd.service worse than the
# threshold (exposure 0.0 = locked down, 10.0 = exposed). Skips, with a message, where
# systemd-analyze is not installed.
#
#   scripts/check-unit-score.sh [UNIT_FILE] [THRESHOLD]     (defaults: the shipped unit, 1.5)
set -euo pipefail

here=${0%/*}; [ "$here" = "$0" ] && here=.
unit=${1:-"$here/../systemd/spectrusd.service"}
threshold=${2:-1.5}

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "check-unit-score: SKIPPED: systemd-analyze is not installed (apt-get install systemd)"
    exit 0
fi
if [ ! -f "$unit" ]; then
    echo "check-unit-score: no such unit file: $unit" >&2
    exit 1
fi

# systemd-analyze wants a path it can name the unit from: copy to a temp dir under the
# unit's own name so the report's last line reads "...spectrusd.service: N.N".
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$unit" "$tmp/"
report=$(cd "$tmp" && systemd-analyze security --offline=yes --no-pager "./$(basename "$unit")" 2>&1) || {
    # systemd-analyze exits non-zero when --threshold is exceeded on newer versions; the
    # score line is parsed below either way. Anything without a score is a real failure.
    true
}
score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for .*: \([0-9][0-9]*\.[0-9]\).*/\1/p' | tail -n 1)
if [ -z "$score" ]; then
    printf '%s\n' "$report" >&2
    echo "check-unit-score: could not read a score from systemd-analyze" >&2
    exit 1
fi

if awk -v s="$score" -v t="$threshold" 'BEGIN { exit !(s > t) }'; then
    printf '%s\n' "$report" | grep -E '✗' >&2 || true
    echo "check-unit-score: FAIL: $(basename "$unit") exposure $score > $threshold" >&2
    exit 1
fi
echo "check-unit-score: ok: $(basename "$unit") exposure $score <= $threshold"
