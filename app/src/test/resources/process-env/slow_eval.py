"""Test environment: CartPole whose evaluation instances (TRPO_ENV_INSTANCE eval-<i>) take DELAY_MS per step, while
the actors' run at full speed, so the periodic evaluations of a run fall behind its updates.

    python3 slow_eval.py <folder of cartpole.py> DELAY_MS
"""
import os
import sys
import time

sys.path.insert(0, sys.argv[1])
import cartpole  # noqa: E402
from trpo_env import serve  # noqa: E402

delay = float(sys.argv[2]) / 1000.0 if os.environ.get("TRPO_ENV_INSTANCE", "").startswith("eval-") else 0.0


class SlowEval(cartpole.CartPole):
    def step(self, action):
        time.sleep(delay)
        return super().step(action)


serve(SlowEval())
