#!/usr/bin/env bash
# What a simulator in a child process costs end to end: ./trpo train on the built-in CartPole-v1 and on
# connectors/python/cartpole.py (the same dynamics in plain Python, behind the process protocol) with the same
# hyper-parameters (the built-in's preset, given to the process run with --config), 100k steps, one seed.
# Prints the wall time and steps/s of each.
#
#   bench/process-env.sh [SEED]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seed="${1:-1}"
out="${OUT:-$here/results/process-env}"
rm -rf "$out" && mkdir -p "$out"
"$root/trpo" --version >/dev/null   # build once, before the clock starts
run() {  # name, env id, extra flags...
  local name="$1" env="$2"; shift 2
  TRPO_SKIP_BUILD=1 "$root/trpo" train --env "$env" --seed "$seed" --run-dir "$out/$name" --metrics-port 0 --quiet "$@" \
    >"$out/$name.log" 2>"$out/$name.err"
}
run builtin CartPole-v1
python3 - "$out/builtin/summary.json" "$out/preset.properties" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["hyper_parameters"]
open(sys.argv[2], "w").write("".join(f"{k}={v}\n" for k, v in h.items() if not k.endswith(("mode", "max-policy-lag"))))
PY
run process "process:python3 $root/connectors/python/cartpole.py" --config "$out/preset.properties"
python3 - "$out" <<'PY'
import json, os, sys
print("| environment | wall s | env steps/s | final eval (20 det.) |")
print("|---|---|---|---|")
for name in ("builtin", "process"):
    s = json.load(open(os.path.join(sys.argv[1], name, "summary.json")))
    print(f"| {s['env']} | {s['wall_seconds']:.1f} | {s['env_steps_per_second']:,.0f} | {s['final_eval_mean']:.1f} |")
PY
