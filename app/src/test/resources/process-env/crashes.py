"""Test environment: CartPole that crashes after a number of steps, and stays down.

    python3 crashes.py <folder of cartpole.py> <steps> <marker file>

After <steps> steps in one process it writes <marker file> and exits with status 7; a process started while the
marker exists exits at its first step (a simulator, or the robot behind it, that is gone for good).
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
import cartpole  # noqa: E402
from trpo_env import serve  # noqa: E402

limit, marker = int(sys.argv[2]), sys.argv[3]


class Crashes(cartpole.CartPole):
    steps = 0

    def step(self, action):
        self.steps += 1
        if os.path.exists(marker) or self.steps > limit:
            open(marker, "w").close()
            print("lost contact with the robot", file=sys.stderr)
            sys.exit(7)
        return super().step(action)


serve(Crashes())
