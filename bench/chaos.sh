#!/usr/bin/env bash
# Crash anything, lose nothing: ./trpo chaos on CartPole-v1 seed 1, an uninterrupted run first (--compare), then the
# same run with 20 SIGKILLs of each of connector, stream processors and trainer, 2 of all three at once and 2 of the
# broker. Prints the table (per kind of kill: kills, median/max recovery; lost, duplicated, dead letters, final policy
# identical) and keeps every process's log, the JSON report and both final policies in the output folder.
#   bench/chaos.sh [out-dir=/tmp/trpo-chaos-bench-<time>]
# Environment: KILLS (default below), VERSIONS (default: kills x 1.25 + 4, room for kills that land late in a version), STEPS_PER_VERSION (256), ACTORS (2), SEED (1).
# Long: each kill waits for its recovery (a new policy version) before the next; expect 30-90 min on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/trpo-chaos-bench-$(date +%Y%m%d-%H%M%S)}"
kills="${KILLS:-connector:20,streams:20,trainer:20,all:2,broker:2}"
total=0
for item in ${kills//,/ }; do total=$(( total + ${item##*:} )); done
versions="${VERSIONS:-$(( total + total / 4 + 4 ))}"
mkdir -p "$out"
"$root/trpo" --version >/dev/null # builds the jar when the sources are newer
start=$(date +%s)
status=0
TRPO_SKIP_BUILD=1 "$root/trpo" chaos --env CartPole-v1 --seed "${SEED:-1}" --actors "${ACTORS:-2}" \
    --steps-per-version "${STEPS_PER_VERSION:-256}" --versions "$versions" --kills "$kills" --compare \
    --data-dir "$out/run" --report "$out/report.json" 2> >(tee "$out/progress.log" >&2) | tee "$out/table.txt" || status=$?
echo "bench/chaos.sh: $(( $(date +%s) - start )) s, exit $status; report $out/report.json, logs $out/run/{baseline,chaos}/logs"
exit $status
