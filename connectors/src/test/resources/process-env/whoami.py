"""Test environment that says which instance it serves: it writes a file named after TRPO_ENV_INSTANCE, holding
TRPO_ENV_INDEX, into <folder>, then serves a one-step environment.
Usage: whoami.py <python dir> <folder>"""
import os
import sys

with open(os.path.join(sys.argv[2], os.environ["TRPO_ENV_INSTANCE"]), "w") as f:
    f.write(os.environ["TRPO_ENV_INDEX"])

sys.path.insert(0, sys.argv[1])
from trpo_env import serve  # noqa: E402


class Space:
    shape, n = (1,), 2


class One:
    observation_space = action_space = Space()

    def reset(self, seed=None):
        return [0.0], {}

    def step(self, action):
        return [1.0], 0.0, True, False, {}


serve(One(), max_episode_steps=5)
