"""Reference values for the environment edge-case tests (ClassicControlEdgeCaseTest).

Transcribes the step functions of Gymnasium 0.29.1 (gymnasium/envs/classic_control/*.py) with plain Python
floats, in the same operation order, so that the numbers can be regenerated without Gymnasium installed:

    python3 connectors/src/test/python/classic_control_reference.py

float32 rounding (MountainCarContinuous's state, every observation) is done with struct, as NumPy does.
"""
import math
import struct
from math import cos, sin, pi


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


# ---- Acrobot-v1 ("book" dynamics, one RK4 step of 0.2) ----
def acrobot_dsdt(s):
    m1 = m2 = l1 = 1.0
    lc1 = lc2 = 0.5
    I1 = I2 = 1.0
    g = 9.8
    a = s[-1]
    theta1, theta2, dtheta1, dtheta2 = s[0], s[1], s[2], s[3]
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2
    d2 = m2 * (lc2**2 + l1 * lc2 * cos(theta2)) + I2
    phi2 = m2 * lc2 * g * cos(theta1 + theta2 - pi / 2.0)
    phi1 = (-m2 * l1 * lc2 * dtheta2**2 * sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * cos(theta1 - pi / 2)
            + phi2)
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * sin(theta2) - phi2) / (m2 * lc2**2 + I2 - d2**2 / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]


def wrap(x, m, M):
    diff = M - m
    while x > M:
        x = x - diff
    while x < m:
        x = x + diff
    return x


def acrobot_step(state, action):
    torque = [-1.0, 0.0, +1][action]
    y0 = list(state) + [torque]
    dt = 0.2 - 0
    dt2 = dt / 2.0
    k1 = acrobot_dsdt(y0)
    k2 = acrobot_dsdt([y + dt2 * k for y, k in zip(y0, k1)])
    k3 = acrobot_dsdt([y + dt2 * k for y, k in zip(y0, k2)])
    k4 = acrobot_dsdt([y + dt * k for y, k in zip(y0, k3)])
    ns = [y + dt / 6.0 * (a + 2 * b + 2 * c + d) for y, a, b, c, d in zip(y0, k1, k2, k3, k4)][:4]
    raw = list(ns)
    ns[0] = wrap(ns[0], -pi, pi)
    ns[1] = wrap(ns[1], -pi, pi)
    ns[2] = min(max(ns[2], -4 * pi), 4 * pi)
    ns[3] = min(max(ns[3], -9 * pi), 9 * pi)
    terminated = bool(-cos(ns[0]) - cos(ns[1] + ns[0]) > 1.0)
    reward = -1.0 if not terminated else 0.0
    obs = [f32(v) for v in (cos(ns[0]), sin(ns[0]), cos(ns[1]), sin(ns[1]), ns[2], ns[3])]
    return raw, ns, reward, terminated, obs


# ---- MountainCar-v0 ----
def mountain_car_step(state, action):
    position, velocity = state
    velocity += (action - 1) * 0.001 + math.cos(3 * position) * (-0.0025)
    velocity = min(max(velocity, -0.07), 0.07)
    position += velocity
    position = min(max(position, -1.2), 0.6)
    if position == -1.2 and velocity < 0:
        velocity = 0
    terminated = bool(position >= 0.5 and velocity >= 0)
    return [position, float(velocity)], -1.0, terminated


# ---- MountainCarContinuous-v0 (NumPy 1.x promotes the float32 state to float64 in every scalar op) ----
def mountain_car_continuous_step(state, action):
    position, velocity = state
    force = min(max(action, -1.0), 1.0)
    velocity += force * 0.0015 - 0.0025 * math.cos(3 * position)
    if velocity > 0.07:
        velocity = 0.07
    if velocity < -0.07:
        velocity = -0.07
    position += velocity
    if position > 0.6:
        position = 0.6
    if position < -1.2:
        position = -1.2
    if position == -1.2 and velocity < 0:
        velocity = 0
    terminated = bool(position >= 0.45 and velocity >= 0)
    reward = 0
    if terminated:
        reward = 100.0
    reward -= math.pow(action, 2) * 0.1
    return [f32(position), f32(velocity)], reward, terminated


# ---- Pendulum-v1 ----
def angle_normalize(x):
    return ((x + pi) % (2 * pi)) - pi  # Python's float % is a floor-mod, as NumPy's


def pendulum_step(state, u):
    th, thdot = state
    u = min(max(u, -2.0), 2.0)
    costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
    newthdot = thdot + (3 * 10.0 / (2 * 1.0) * sin(th) + 3.0 / (1.0 * 1.0**2) * u) * 0.05
    newthdot = min(max(newthdot, -8.0), 8.0)
    newth = th + newthdot * 0.05
    return [newth, newthdot], -costs


def show(name, value):
    print(f"{name} = {value!r}")


if __name__ == "__main__":
    show("acrobot rest, torque +1", acrobot_step([0.0, 0.0, 0.0, 0.0], 2))
    show("acrobot book term", acrobot_step([0.3, -1.2, 2.5, -3.0], 0))
    show("acrobot dsdt book term", acrobot_dsdt([0.3, -1.2, 2.5, -3.0, 1.0]))
    show("acrobot wrap theta1", acrobot_step([3.1, 0.0, 2.0, 0.0], 1))
    show("acrobot wrap theta2 negative", acrobot_step([0.0, -3.1, 0.0, -2.0], 1))
    show("acrobot bound dtheta1", acrobot_step([2.0, 0.0, 12.5, 0.0], 2))
    show("acrobot bound dtheta2", acrobot_step([0.0, 0.0, 0.0, -28.2], 0))
    show("acrobot terminal", acrobot_step([3.0, 0.0, 0.0, 0.0], 1))
    show("mountain car speed clip", mountain_car_step([-0.9, 0.069], 2))
    show("mountain car left wall", mountain_car_step([-1.19, -0.05], 0))
    show("mountain car goal", mountain_car_step([0.49, 0.02], 1))
    show("mountain car past goal moving back", mountain_car_step([0.55, -0.001], 0))
    show("mountain car continuous force clip a=3", mountain_car_continuous_step([-0.5, 0.01], 3.0))
    show("mountain car continuous force clip a=1", mountain_car_continuous_step([-0.5, 0.01], 1.0))
    show("mountain car continuous goal", mountain_car_continuous_step([0.44, 0.02], -0.5))
    show("mountain car continuous left wall", mountain_car_continuous_step([-1.19, -0.05], -2.0))
    show("mountain car continuous speed clip", mountain_car_continuous_step([-0.9, 0.069], 1.0))
    s1, r1, _ = mountain_car_continuous_step([-0.52, 0.0], 0.3)
    show("mountain car continuous two steps", (s1, r1, mountain_car_continuous_step(s1, -0.7)))
    show("pendulum floor-mod cost", pendulum_step([-4.0, 0.0], 0.0))
    show("pendulum torque clip", pendulum_step([1.0, 0.5], 5.0))
    show("pendulum speed clip before angle", pendulum_step([pi / 2, 7.9], 2.0))
