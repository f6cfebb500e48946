#!/usr/bin/env bash
# What a simulator that takes seconds to load costs the periodic evaluations of ./trpo train: CartPole in Python
# (bench/slow_cartpole.py, no delay per step) sleeping LOAD_SECONDS before its spec, 20,480 steps, batch 1024 (so 20
# versions), an evaluation every 2nd version (10 evaluations of 5 episodes) on 2 instances.
#
#   bench/eval-pool.sh [LOAD_SECONDS]     (default 3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
load="${1:-3}"
out="${OUT:-$here/results/eval-pool}"
rm -rf "$out" && mkdir -p "$out"
"$root/trpo" --version >/dev/null   # build once, before the clock starts
TRPO_SKIP_BUILD=1 "$root/trpo" train --env "process:python3 $here/slow_cartpole.py 0 $load" --seed 1 \
  --config <(printf 'trpo.trainer.batch-steps=1024\n') --total-steps 20480 --eval-every 2 --eval-episodes 5 \
  --run-dir "$out/run" --metrics-port 0 --quiet >"$out/run.log" 2>"$out/run.err"
python3 - "$out" "$load" <<'PY'
import json, os, sys
out, load = sys.argv[1], sys.argv[2]
s = json.load(open(os.path.join(out, "run", "summary.json")))
print(f"load {load} s: wall {s['wall_seconds']:.1f} s, {s['policy_version']} versions, final eval {s['final_eval_mean']}")
PY
