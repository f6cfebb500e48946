"""Act from a trpo policy without a JVM: ``./trpo export --policy policy.avro --output policy.json``, then

    from trpo_policy import Policy
    policy = Policy.load("policy.json")
    action = policy.act(observation)      # argmax (discrete) or the mean clipped to the bounds (continuous)
    value = policy.value(observation)

The arithmetic is schemas/README.md's "Acting from a PolicySnapshot alone" on the ``trpo-policy-json/1`` document:
normalise, the actor's layers, the head; the critic for ``value``. Plain Python (standard library only), a few
hundred microseconds per action for 64x64 networks; load the same document into NumPy for batches.
"""
import json
import math

FORMAT = "trpo-policy-json/1"

_ACTIVATIONS = {
    "tanh": math.tanh,
    "relu": lambda v: v if v > 0.0 else 0.0,
    "identity": lambda v: v,
}


class Policy:
    def __init__(self, document):
        if document.get("format") != FORMAT:
            raise ValueError("not a %s document (format %r): write one with ./trpo export"
                             % (FORMAT, document.get("format")))
        self.env = document["env"]
        self.version = document["version"]
        self.observation_size = document["observation_size"]
        self._normalizer = document["normalizer"]
        self._actor = [_Layer(l) for l in document["actor"]]
        self._critic = [_Layer(l) for l in document["critic"]]
        action = document["action"]
        self.discrete = "discrete" in action
        self.n = action["discrete"] if self.discrete else len(action["low"])
        self.low = action.get("low")
        self.high = action.get("high")
        self.log_std = action.get("log_std")

    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls(json.load(f))

    def normalize(self, observation):
        """The observation as the networks see it (unchanged when the run did not normalise)."""
        x = [float(v) for v in observation]
        if len(x) != self.observation_size:
            raise ValueError("expected %d observation values, got %d" % (self.observation_size, len(x)))
        n = self._normalizer
        if not n["enabled"]:
            return x
        clip = n["clip"]
        z = [(v - m) / math.sqrt(var + n["epsilon"]) for v, m, var in zip(x, n["mean"], n["variance"])]
        return [min(max(v, -clip), clip) for v in z] if clip > 0 else z

    def output(self, observation):
        """The actor's last layer: logits (discrete) or the Gaussian's mean (continuous)."""
        h = self.normalize(observation)
        for layer in self._actor:
            h = layer(h)
        return h

    def act(self, observation):
        """The deterministic action: the first index of the largest logit, or the mean clipped to [low, high]."""
        y = self.output(observation)
        if self.discrete:
            return max(range(len(y)), key=lambda i: (y[i], -i))
        return [min(max(m, lo), hi) for m, lo, hi in zip(y, self.low, self.high)]

    def value(self, observation):
        """The critic's estimate, in the run's learning units (rewards scaled when it normalised them)."""
        h = self.normalize(observation)
        for layer in self._critic:
            h = layer(h)
        return h[0]


class _Layer:
    def __init__(self, layer):
        n_in, n_out = layer["input_size"], layer["output_size"]
        w = layer["weights"]
        self.rows = [w[o * n_in:(o + 1) * n_in] for o in range(n_out)]
        self.bias = layer["bias"]
        self.act = _ACTIVATIONS[layer["activation"]]

    def __call__(self, h):
        return [self.act(b + sum(wi * hi for wi, hi in zip(row, h))) for row, b in zip(self.rows, self.bias)]
