"""Test environment: CartPole that records each start, and can be made to fail.

    python3 counted.py <folder of cartpole.py> <starts file> <fail marker>

Every process appends its TRPO_ENV_INSTANCE and a newline to <starts file>. While <fail marker> exists, a step exits
with status 5 (a simulator that crashed).
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
import cartpole  # noqa: E402
from trpo_env import serve  # noqa: E402

starts, marker = sys.argv[2], sys.argv[3]
with open(starts, "a") as f:
    f.write(os.environ["TRPO_ENV_INSTANCE"] + "\n")


class Counted(cartpole.CartPole):
    def step(self, action):
        if os.path.exists(marker):
            print("the simulator crashed", file=sys.stderr)
            sys.exit(5)
        return super().step(action)


serve(Counted())
