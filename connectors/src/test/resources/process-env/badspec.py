import json

print(json.dumps({"observation_size": 0, "action": {"discrete": 2}, "max_episode_steps": 10}), flush=True)
