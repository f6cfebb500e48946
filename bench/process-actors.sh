#!/usr/bin/env bash
# How the steps/s of a slow simulator in child processes grows with the actors: ./trpo train on
# bench/slow_cartpole.py (CartPole in Python with DELAY_MS of sleep per step), 16,384 steps, batch 2048, for 1, 2, 4
# and 8 actors. The connector asks every actor's process for its step before it reads any answer, so the processes
# sleep (or compute, or wait for their robot) at the same time.
#
#   bench/process-actors.sh [DELAY_MS]     (default 5)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
delay="${1:-5}"
out="${OUT:-$here/results/process-actors}"
rm -rf "$out" && mkdir -p "$out"
"$root/trpo" --version >/dev/null   # build once, before the clock starts
for actors in 1 2 4 8; do
  TRPO_SKIP_BUILD=1 "$root/trpo" train --env "process:python3 $here/slow_cartpole.py $delay" --seed 1 \
    --total-steps 16384 --actors "$actors" --eval-every 0 --eval-episodes 1 --run-dir "$out/a$actors" \
    --metrics-port 0 --quiet >"$out/a$actors.log" 2>"$out/a$actors.err"
done
python3 - "$out" "$delay" <<'PY'
import json, os, sys
out, delay = sys.argv[1], float(sys.argv[2])
print(f"| actors | wall s | env steps/s | one process alone could do |")
print("|---|---|---|---|")
for actors in (1, 2, 4, 8):
    s = json.load(open(os.path.join(out, f"a{actors}", "summary.json")))
    print(f"| {actors} | {s['wall_seconds']:.1f} | {s['env_steps_per_second']:,.0f} | {1000 / delay:,.0f} |")
PY
