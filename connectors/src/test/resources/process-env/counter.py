"""Test environment: a continuous 2-D action, observation [steps since reset, seed % 1000, last action 0, last
action 1], reward = first action value, never terminates and has no time limit of its own (trpo's applies)."""
import sys

sys.path.insert(0, sys.argv[1])  # the folder of trpo_env.py
from trpo_env import serve  # noqa: E402


class Box:
    def __init__(self, shape=None, low=None, high=None):
        self.shape, self.low, self.high = shape, low, high


class Counter:
    observation_space = Box(shape=(2, 2))
    action_space = Box(low=[-1.0, 0.0], high=[1.0, 2.5])

    def reset(self, seed=None):
        self.t, self.seed = 0, seed
        return [[0.0, float(seed % 1000)], [0.0, 0.0]], {}

    def step(self, action):
        self.t += 1
        return [[float(self.t), float(self.seed % 1000)], [action[0], action[1]]], action[0], False, False, {}


serve(Counter(), max_episode_steps=5)
