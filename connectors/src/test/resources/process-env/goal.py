"""Test environment shaped like gymnasium-robotics' goal-conditioned tasks: a Dict observation space
(observation, achieved_goal, desired_goal), observations as dicts in another key order, and info["is_success"].

    python3 goal.py <python dir>
"""
import sys

sys.path.insert(0, sys.argv[1])
from trpo_env import serve  # noqa: E402


class Box:
    def __init__(self, *shape):
        self.shape = shape


class Dict:
    def __init__(self, spaces):
        self.spaces = spaces


class Discrete:
    n, shape = 2, ()


class Goal:
    observation_space = Dict({"observation": Box(2), "desired_goal": Box(1), "achieved_goal": Box(1)})
    action_space = Discrete()

    def reset(self, seed=None):
        self.position = 0.0
        return self._observation(), {}

    def step(self, action):
        self.position += 1.0 if action == 1 else -1.0
        done = self.position >= 2.0
        return self._observation(), float(done), done, False, {"is_success": done}

    def _observation(self):
        # not in sorted order: serve() must flatten by sorted key, as Gymnasium's Dict space does
        return {"observation": [self.position, -self.position], "desired_goal": [2.0], "achieved_goal": [self.position]}


serve(Goal(), max_episode_steps=10)
