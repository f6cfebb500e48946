#!/usr/bin/env bash
# Learning results of ./trpo train with default settings on the five built-in tasks, several seeds, each run
# end to end through Kafka (embedded broker), one run at a time. Writes bench/results/<env>-s<seed>/ and
# prints (and saves to bench/results/learning-results.md) the table the README shows.
#
#   bench/learning-results.sh                 # 5 tasks x seeds 1 2 3
#   SEEDS="1" ENVS="CartPole-v1" bench/learning-results.sh
#   CPUS=0 OUT=bench/results-1core bench/learning-results.sh   # pinned to one core (taskset), as sb3-contrib was
#   bench/learning-table.py bench/results bench/results-1core  # both tables, one core against sb3-contrib
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="${OUT:-$here/results}"
seeds="${SEEDS:-1 2 3}"
envs="${ENVS:-CartPole-v1 Acrobot-v1 MountainCar-v0 Pendulum-v1 MountainCarContinuous-v0}"
pin=()
if [ -n "${CPUS:-}" ]; then pin=(taskset -c "$CPUS"); fi
mkdir -p "$out"
"$root/trpo" --version >/dev/null   # build once, before the clock starts
for env in $envs; do
  for seed in $seeds; do
    dir="$out/$env-s$seed"
    rm -rf "$dir"
    echo "== $env seed $seed" >&2
    TRPO_SKIP_BUILD=1 ${pin[@]+"${pin[@]}"} "$root/trpo" train --env "$env" --seed "$seed" --run-id "bench-$env-s$seed-$$" \
        --run-dir "$dir" --metrics-port 0 --quiet >"$out/$env-s$seed.log" 2>"$out/$env-s$seed.err" \
      || { echo "run failed: $env seed $seed (see $out/$env-s$seed.err)" >&2; continue; }
    tail -n 16 "$out/$env-s$seed.log" | grep -E 'final eval|wall time' >&2 || true
  done
done
python3 "$here/learning-table.py" "$out" | tee "$out/learning-results.md"
