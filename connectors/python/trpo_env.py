"""Serve a Gymnasium-style environment to trpo's connectors over standard input and output.

trpo runs an environment in a child process when its id is ``process:<command> [args...]``, e.g.
``./trpo train --env "process:python3 connectors/python/cartpole.py"``. The process speaks one JSON object per
line (standard output is the protocol's; ``serve`` sends anything else printed to standard error, which trpo logs):

    -> {"observation_size": 4, "action": {"discrete": 2}, "max_episode_steps": 500}     (first, unasked)
    <- {"reset": 12345}                       -> {"observation": [...]}
    <- {"step": 1}  or  {"step": [0.5, -1]}   -> {"observation": [...], "reward": 1.0,
                                                  "terminated": false, "truncated": false}
                                                 (and "success": true/false when info has "is_success")
    end of input                              -> exit

``serve(env)`` does all of that for any object with Gymnasium's API: ``reset(seed=...)`` returning
``(observation, info)``, ``step(action)`` returning ``(observation, reward, terminated, truncated, info)``, an
``action_space`` with ``n`` (discrete) or ``low`` and ``high`` (continuous), and an ``observation_space`` with a
``shape`` (or a Dict or Tuple space of them, flattened by sorted key as gymnasium-robotics' goal-conditioned tasks
need). With Gymnasium installed, ``serve(gymnasium.make("Pendulum-v1"))`` is a whole environment process.
Needs only the Python standard library.
"""
import json
import os
import sys


def _numbers(values):
    """A flat list of floats from a list, tuple or NumPy array (any shape), or a dict of them (gymnasium-robotics'
    observation/achieved_goal/desired_goal), flattened by sorted key as Gymnasium's Dict space orders them."""
    out = []
    stack = [values]
    while stack:
        v = stack.pop()
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, dict):
            stack.extend(reversed([v[k] for k in sorted(v)]))
        elif isinstance(v, (list, tuple)):
            stack.extend(reversed(v))
        else:
            out.append(float(v))
    return out


def _size(space):
    """How many numbers an observation of ``space`` flattens to: a Box's (or array's) shape, a Dict or Tuple space's
    parts added up."""
    parts = getattr(space, "spaces", None)
    if isinstance(parts, dict):
        return sum(_size(parts[k]) for k in sorted(parts))
    if isinstance(parts, (list, tuple)):
        return sum(_size(p) for p in parts)
    size = 1
    for d in space.shape or ():
        size *= int(d)
    return size


def spec(env, max_episode_steps=None, timeout_seconds=None):
    """The spec line's fields for ``env`` (its time limit from ``env.spec.max_episode_steps`` unless given; trpo
    kills a process that takes longer than ``timeout_seconds``, 300 unless given, to answer one request)."""
    size = _size(env.observation_space)
    space = env.action_space
    if hasattr(space, "n"):
        action = {"discrete": int(space.n)}
    else:
        action = {"low": _numbers(space.low), "high": _numbers(space.high)}
    if max_episode_steps is None:
        max_episode_steps = getattr(getattr(env, "spec", None), "max_episode_steps", None)
    if not max_episode_steps:
        raise ValueError("the environment has no time limit: pass max_episode_steps to serve()")
    out = {"observation_size": size, "action": action, "max_episode_steps": int(max_episode_steps)}
    if timeout_seconds is not None:
        out["timeout_seconds"] = float(timeout_seconds)
    return out


def protocol_output():
    """Standard output for the protocol alone: file descriptor 1 is duplicated for it and then pointed at standard
    error, so whatever else the environment prints (``print()``, a C library's ``printf``) goes to trpo's log instead
    of into the protocol."""
    sys.stdout.flush()
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol


def serve(env, max_episode_steps=None, timeout_seconds=None, stdin=None, stdout=None):
    """Answers trpo's reset and step requests for ``env`` until the input ends (on ``stdout`` if given, else on
    :func:`protocol_output`)."""
    stdin = stdin or sys.stdin
    stdout = stdout or protocol_output()
    s = spec(env, max_episode_steps, timeout_seconds)
    discrete = "discrete" in s["action"]

    def send(message):
        stdout.write(json.dumps(message))
        stdout.write("\n")
        stdout.flush()

    send(s)
    for line in stdin:
        request = json.loads(line)
        if "reset" in request:
            observation, _ = env.reset(seed=request["reset"])
            send({"observation": _numbers(observation)})
        elif "step" in request:
            action = request["step"]
            if discrete:
                action = int(action)
            observation, reward, terminated, truncated, info = env.step(action)
            answer = {"observation": _numbers(observation), "reward": float(reward),
                      "terminated": bool(terminated), "truncated": bool(truncated)}
            if isinstance(info, dict) and info.get("is_success") is not None:
                # Gymnasium's convention for tasks that can be achieved (gymnasium-robotics, SB3's Monitor)
                answer["success"] = bool(info["is_success"])
            send(answer)
        else:
            raise ValueError("unknown request: " + line.strip())
