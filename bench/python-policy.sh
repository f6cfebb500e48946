#!/usr/bin/env bash
# A trained policy acting without a JVM: trains CartPole-v1 (seed 1, defaults), exports the final policy as JSON
# (./trpo export) and plays 10 episodes of connectors/python/cartpole.py with connectors/python/trpo_policy.py,
# printing the returns and the time per action.
#
#   bench/python-policy.sh [SEED]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seed="${1:-1}"
out="${OUT:-$here/results/python-policy}"
rm -rf "$out" && mkdir -p "$out"
"$root/trpo" --version >/dev/null
TRPO_SKIP_BUILD=1 "$root/trpo" train --env CartPole-v1 --seed "$seed" --run-dir "$out/run" --metrics-port 0 --quiet \
  | grep -E 'final eval'
TRPO_SKIP_BUILD=1 "$root/trpo" export --policy "$out/run/policy.avro" --output "$out/policy.json"
PYTHONDONTWRITEBYTECODE=1 python3 - "$root/connectors/python" "$out/policy.json" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[1])
from cartpole import CartPole
from trpo_policy import Policy
policy, env = Policy.load(sys.argv[2]), CartPole()
returns, actions, spent = [], 0, 0.0
for episode in range(10):
    obs, _ = env.reset(seed=1000 + episode)
    total, done, steps = 0.0, False, 0
    while not done and steps < 500:
        t = time.perf_counter()
        a = policy.act(obs)
        spent += time.perf_counter() - t
        obs, reward, terminated, truncated, _ = env.step(a)
        total, steps, actions = total + reward, steps + 1, actions + 1
        done = terminated or truncated
    returns.append(total)
print("returns over 10 episodes (Python CartPole, exported policy):", returns)
print("time per action: %.0f us (plain Python, %d actions)" % (spent / actions * 1e6, actions))
PY
