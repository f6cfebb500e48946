import json
import sys
import time

print(json.dumps({"observation_size": 1, "action": {"discrete": 2}, "max_episode_steps": 10,
                  "timeout_seconds": 0.5}), flush=True)
for line in sys.stdin:
    if "reset" in line:
        print(json.dumps({"observation": [0.0]}), flush=True)
    else:
        print("waiting for the robot controller...", file=sys.stderr, flush=True)
        time.sleep(60)
