"""Test environment that only one process may run: the first creates <marker> and serves a counter environment,
every later one exits at once with status 3 ("the simulator licence is in use")."""
import os
import sys

marker = sys.argv[2]
try:
    os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
except FileExistsError:
    print("the simulator licence is in use", file=sys.stderr)
    sys.exit(3)

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
