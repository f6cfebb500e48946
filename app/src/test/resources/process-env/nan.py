"""Test environment whose observation turns NaN on the third step (written as NaN, as Python's json does)."""
import sys

sys.path.insert(0, sys.argv[1])  # the folder of trpo_env.py
from trpo_env import serve  # noqa: E402


class Space:
    shape, n = (2,), 3


class Diverges:
    observation_space = action_space = Space()

    def reset(self, seed=None):
        self.t = 0
        return [0.0, float(seed % 7)], {}

    def step(self, action):
        self.t += 1
        return [float("nan") if self.t == 3 else float(self.t), float(action)], -1.0, self.t >= 10, False, {}


serve(Diverges(), max_episode_steps=20)
