"""Test environment that says whether the task was achieved, as Gymnasium's robotics tasks do (info["is_success"]):
a walk on a line from 0; action 1 steps right, 0 left; reaching 3 achieves the task (terminated, is_success True);
6 steps without reaching it fail it (truncated, is_success False). Other steps carry no is_success.

    python3 reaches.py <python dir>
"""
import sys

sys.path.insert(0, sys.argv[1])
from trpo_env import serve  # noqa: E402


class Space:
    shape, n = (1,), 2


class Reach:
    observation_space = action_space = Space()

    def reset(self, seed=None):
        self.position, self.steps = 0, 0
        return [0.0], {}

    def step(self, action):
        self.position += 1 if action == 1 else -1
        self.steps += 1
        if self.position >= 3:
            return [float(self.position)], 1.0, True, False, {"is_success": True}
        if self.steps >= 6:
            return [float(self.position)], 0.0, False, True, {"is_success": False}
        return [float(self.position)], 0.0, False, False, {}


serve(Reach(), max_episode_steps=6)
