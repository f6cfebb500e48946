"""Gymnasium 0.29.1's CartPole-v1 in plain Python, served to trpo as a child process.

    ./trpo train --env "process:python3 connectors/python/cartpole.py"

The same dynamics as the built-in CartPole-v1 (explicit Euler, float64 state, float32-rounded observations), so a
run on it learns as one on the built-in does; the initial states come from Python's generator, not the built-in's.
A template for your own simulator: replace the class, keep the last line.
"""
import math
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trpo_env import serve  # noqa: E402


def float32(x):
    """x rounded to the nearest float32, as NumPy does when it builds a float32 observation."""
    return struct.unpack("f", struct.pack("f", x))[0]


class Discrete:
    def __init__(self, n):
        self.n = n


class Box:
    def __init__(self, shape):
        self.shape = shape


class Spec:
    max_episode_steps = 500


class CartPole:
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold = 12 * 2 * math.pi / 360
    x_threshold = 2.4
    action_space = Discrete(2)
    observation_space = Box((4,))
    spec = Spec()

    def __init__(self):
        self.rng = random.Random()
        self.state = None
        self.steps_beyond_terminated = None

    def reset(self, seed=None):
        if seed is not None:
            self.rng.seed(seed)
        self.state = [self.rng.uniform(-0.05, 0.05) for _ in range(4)]
        self.steps_beyond_terminated = None
        return [float32(v) for v in self.state], {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = [x, x_dot, theta, theta_dot]
        terminated = (x < -self.x_threshold or x > self.x_threshold
                      or theta < -self.theta_threshold or theta > self.theta_threshold)
        if not terminated:
            reward = 1.0
        elif self.steps_beyond_terminated is None:
            self.steps_beyond_terminated = 0
            reward = 1.0
        else:
            self.steps_beyond_terminated += 1
            reward = 0.0
        return [float32(v) for v in self.state], reward, terminated, False, {}


if __name__ == "__main__":
    serve(CartPole())
