"""Test environment that answers a request only once every one of N environments has received the same one.

    python3 barrier.py <folder of trpo_env.py> <barrier folder> <N>

CartPole-shaped (4 observations, 2 actions), every episode 3 steps long, so all N environments reset together.
Each process marks its start, and its k-th step or reset, in the barrier folder, then waits until N processes have
marked the same one: a caller that waits for one process's spec or answer before starting or asking the next never
gets past the first, and this process exits after 20 s naming how many were working at once.
"""
import os
import sys
import time

sys.path.insert(0, sys.argv[1])
from trpo_env import serve  # noqa: E402

folder, n = sys.argv[2], int(sys.argv[3])


class Space:
    shape, n = (4,), 2


class Barrier:
    observation_space = action_space = Space()
    counts = {"start": 0, "reset": 0, "step": 0}

    def wait(self, kind):
        k = self.counts[kind]
        self.counts[kind] += 1
        prefix = "%s-%d-" % (kind, k)
        open(os.path.join(folder, prefix + str(os.getpid())), "w").close()
        deadline = time.monotonic() + 20
        while True:
            arrived = sum(1 for f in os.listdir(folder) if f.startswith(prefix))
            if arrived >= n:
                return
            if time.monotonic() > deadline:
                print("%s %d: only %d of %d environments were working at once" % (kind, k, arrived, n),
                      file=sys.stderr)
                sys.exit(3)
            time.sleep(0.002)

    def reset(self, seed=None):
        self.wait("reset")
        self.t = 0
        return [0.0, 0.0, 0.0, float(seed % 100)], {}

    def step(self, action):
        self.wait("step")
        self.t += 1
        return [float(self.t), float(action), 0.0, 0.0], 1.0, self.t >= 3, False, {}


Barrier().wait("start")  # the spec comes only once all N processes have been started
serve(Barrier(), max_episode_steps=100)
