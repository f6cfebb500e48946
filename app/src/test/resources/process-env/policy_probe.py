"""Test helper: acts with trpo_policy on observations read as JSON lines; prints action, value and output per line.
Arguments: the folder of trpo_policy.py, the exported JSON document."""
import json
import sys

sys.path.insert(0, sys.argv[1])
from trpo_policy import Policy  # noqa: E402

policy = Policy.load(sys.argv[2])
for line in sys.stdin:
    obs = json.loads(line)
    print(json.dumps({"action": policy.act(obs), "value": policy.value(obs), "output": policy.output(obs)}))
