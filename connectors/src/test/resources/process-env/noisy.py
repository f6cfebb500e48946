"""Test environment that writes on standard output outside the protocol, as simulators do: a banner before serve()
(PyBullet prints its build time when imported), then print() and a raw write to file descriptor 1 (a C library's
printf) on every step. Observation [steps since reset], reward 1, episodes of 3 steps."""
import os
import sys

print("pybullet build time: Nov 24 2026 12:00:00")
print("Hello from the simulator community")
sys.stdout.flush()

sys.path.insert(0, sys.argv[1])  # the folder of trpo_env.py
from trpo_env import serve  # noqa: E402


class Space:
    shape, n = (1,), 2


class Noisy:
    observation_space = action_space = Space()

    def reset(self, seed=None):
        self.t = 0
        return [0.0], {}

    def step(self, action):
        self.t += 1
        print("step", self.t)
        os.write(1, b"contact solver: 4 iterations\n")
        return [float(self.t)], 1.0, self.t >= 3, False, {}


serve(Noisy(), max_episode_steps=10)
