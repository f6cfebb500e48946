#!/usr/bin/env bash
# Crash anything, lose nothing: ./trpo chaos on CartPole-v1 seed 1, an uninterrupted run first (--compare), then the
# same run with 20 SIGKILLs of each of connector, stream processors, trainer and broker, and 5 of all three at once;
# a killed broker stays down up to BROKER_DOWN_TIME (default 60s), which the others must wait out. Prints the table
# (per kind of kill: kills, median/max recovery; lost, duplicated, dead letters, final policy identical) and keeps every process's log, the JSON report and both final policies in the output folder.
#   bench/chaos.sh [out-dir=/tmp/trpo-chaos-bench-<time>]
# Environment: KILLS (default below), BROKER_DOWN_TIME (60s), VERSIONS (default: 2 x kills + 4, the least trpo chaos
# accepts plus 2), STEPS_PER_VERSION (256), ACTORS (2), SEED (1).
# Long: each kill waits for its recovery (a new policy version) before the next; expect 30-60 min on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/trpo-chaos-bench-$(date +%Y%m%d-%H%M%S)}"
kills="${KILLS:-connector:20,streams:20,trainer:20,all:5,broker:20}"
total=0
for item in ${kills//,/ }; do total=$(( total + ${item##*:} )); done
versions="${VERSIONS:-$(( 2 * total + 4 ))}"
mkdir -p "$out"
"$root/trpo" --version >/dev/null # builds the jar when the sources are newer
start=$(date +%s)
status=0
TRPO_SKIP_BUILD=1 "$root/trpo" chaos --env CartPole-v1 --seed "${SEED:-1}" --actors "${ACTORS:-2}" \
    --steps-per-version "${STEPS_PER_VERSION:-256}" --versions "$versions" --kills "$kills" --compare \
    --broker-down-time "${BROKER_DOWN_TIME:-60s}" \
    --data-dir "$out/run" --report "$out/report.json" 2> >(tee "$out/progress.log" >&2) | tee "$out/table.txt" || status=$?
echo "bench/chaos.sh: $(( $(date +%s) - start )) s, exit $status; report $out/report.json, logs $out/run/{baseline,chaos}/logs"
exit $status
