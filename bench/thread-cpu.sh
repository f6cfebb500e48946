#!/usr/bin/env bash
# Where a ./trpo train run's CPU goes, by thread (JIT compiler threads, GC, Kafka, the pipeline's own): samples
# /proc/<pid>/task/*/stat every half second and prints the last sample's CPU seconds per thread name (threads that
# ended before it, such as the trainer's, are missing). Pin it to one core as sb3-contrib was measured:
#
#   CPUS=0 bench/thread-cpu.sh [ENV=CartPole-v1] [SEED=1]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
env="${1:-CartPole-v1}"; seed="${2:-1}"; out="$(mktemp -d)"
pin=()
if [ -n "${CPUS:-}" ]; then pin=(taskset -c "$CPUS"); fi
"$root/trpo" --version >/dev/null   # build once, before the clock starts
TRPO_SKIP_BUILD=1 ${pin[@]+"${pin[@]}"} "$root/trpo" train --env "$env" --seed "$seed" --run-dir "$out/run" \
  --quiet --metrics-port 0 >"$out/train.out" 2>&1 &
launcher=$!
pid=""
for _ in $(seq 100); do pid=$(pgrep -f "dev.trpo.app.Main train --env $env --seed $seed --run-dir $out/run" | head -1 || true); [ -n "$pid" ] && break; sleep 0.1; done
while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
  snap=""
  for t in /proc/"$pid"/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue
    st=$(cat "$t/stat" 2>/dev/null) || continue
    rest=${st##*) }; set -- $rest
    snap+="${name}"$'\t'"$(( ${12} + ${13} ))"$'\n'
  done
  [ -n "$snap" ] && printf '%s' "$snap" > "$out/snap"
  sleep 0.5
done
wait "$launcher" || true
grep "wall time" "$out/train.out" || true
awk -F'\t' '{gsub(/[-#]?[0-9]+$/, "", $1); a[$1]+=$2; s+=$2} END {for (k in a) printf "%7.2f s  %s\n", a[k]/100, k; printf "%7.2f s  all threads sampled last\n", s/100}' "$out/snap" | sort -rn | head -15
