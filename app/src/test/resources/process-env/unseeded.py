"""Test environment that ignores the reset's seed (draws from the operating system): not reproducible."""
import os
import random
import sys

sys.path.insert(0, sys.argv[1])  # the folder of trpo_env.py
from trpo_env import serve  # noqa: E402


class Space:
    shape, n = (1,), 2


class Unseeded:
    observation_space = action_space = Space()

    def reset(self, seed=None):
        self.x = random.SystemRandom().random()
        return [self.x], {}

    def step(self, action):
        self.x += 0.1 if action == 1 else -0.1
        return [self.x], 1.0, abs(self.x) > 2, False, {}


serve(Unseeded(), max_episode_steps=50)
