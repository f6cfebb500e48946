"""connectors/python/cartpole.py with a fixed delay per step, for bench/process-actors.sh: a stand-in for a
simulator that takes milliseconds per step, or for a bridge to a robot across a network, and optionally seconds to
load (bench/eval-pool.sh).

    python3 bench/slow_cartpole.py DELAY_MS [LOAD_SECONDS]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "connectors", "python"))
import cartpole  # noqa: E402
from trpo_env import serve  # noqa: E402

delay = float(sys.argv[1]) / 1000.0
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)


class SlowCartPole(cartpole.CartPole):
    def step(self, action):
        time.sleep(delay)
        return super().step(action)


serve(SlowCartPole())
